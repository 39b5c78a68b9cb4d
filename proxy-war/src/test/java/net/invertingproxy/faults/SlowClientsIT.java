package net.invertingproxy.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import net.invertingproxy.tunnel.RawClient;
import net.invertingproxy.tunnel.RawResponse;

/**
 * As the operator of a proxy exposed to slowloris clients (connections that send their request
 * head, or their body, a byte at a time with long pauses), I see them cut by the container's idle
 * timeout while ordinary clients go on being served at their usual latency, and nothing is left
 * behind.
 */
class SlowClientsIT {
    /**
     * Above the 10 s after which the real agent checks a pooled connection before reusing it, so
     * the normal clients' agent never sends a request read down a connection closed for idleness.
     */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(11);
    private static final int SLOW_HEADS = 100;
    private static final int SLOW_BODIES = 50;

    @RegisterExtension
    static final FaultScene SCENE = new FaultScene("slow-clients", IDLE_TIMEOUT, "normal");

    @Test
    void slowHeadsAndBodiesAreCutByTheIdleTimeoutWhileNormalClientsAreServed() throws Exception {
        SCENE.backend("normal").behave((request, response, recorded) -> {
            try (InputStream body = request.getInputStream()) {
                body.transferTo(java.io.OutputStream.nullOutputStream());
            }
            response.setStatus(200);
        });
        NormalClient.Latencies before = NormalClient.runFor(SCENE.backend("normal"), Duration.ofSeconds(2)).get(30, TimeUnit.SECONDS);

        List<RawClient> slow = new ArrayList<>();
        try {
            long openedAt = System.nanoTime();
            // The first byte of each, and then nothing for longer than the idle timeout: the next
            // byte a slowloris client would send comes too late.
            for (int i = 0; i < SLOW_HEADS; i++) {
                slow.add(RawClient.connect(SCENE.proxy().port()).send("G"));
            }
            for (int i = 0; i < SLOW_BODIES; i++) {
                slow.add(RawClient.connect(SCENE.proxy().port()).send("POST " + SCENE.backend("normal").path("upload/" + i)
                        + " HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nx"));
            }
            CompletableFuture<NormalClient.Latencies> during = NormalClient.runFor(SCENE.backend("normal"), IDLE_TIMEOUT.plusSeconds(2));

            int answered = 0;
            for (RawClient client : slow) {
                long left = IDLE_TIMEOUT.plusSeconds(5).toMillis() - Duration.ofNanos(System.nanoTime() - openedAt).toMillis();
                RawClient.Received received = client.readTimeout((int) Math.max(1, left)).readToEnd();
                assertTrue(received.ending() != RawClient.Ending.TIMEOUT,
                        "a slow client was still connected " + IDLE_TIMEOUT.plusSeconds(5).toSeconds() + " s later");
                if (received.bytes().length > 0) {
                    RawResponse answer = ClientOutcome.assertComplete(received);
                    assertTrue(answer.status() >= 400, "a slow client got " + answer);
                    answered++;
                }
            }
            Duration allCut = Duration.ofNanos(System.nanoTime() - openedAt);
            NormalClient.Latencies meanwhile = during.get(60, TimeUnit.SECONDS);
            System.out.printf("%d slow heads and %d slow bodies all cut %d ms after they started (%d with an error"
                    + " status first); normal client before: %s; meanwhile: %s%n", SLOW_HEADS, SLOW_BODIES,
                    allCut.toMillis(), answered, before, meanwhile);
            // Cut by the idle timeout, not by something sooner (such as a limit on connections).
            assertTrue(allCut.compareTo(IDLE_TIMEOUT.minusSeconds(1)) >= 0, "cut after " + allCut);
            meanwhile.assertNormal();
        } finally {
            for (RawClient client : slow) {
                client.close();
            }
        }
        SCENE.backend("normal").assertServed();
        SCENE.proxy().gauges().awaitAllZero();
    }
}
