package net.invertingproxy.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import net.invertingproxy.tunnel.RawClient;

/**
 * As an operator whose proxy crashed and was started again on the same port, I find every agent
 * serving again within 5 s of the proxy being up, without touching the agents; the clients that
 * were waiting at the dead proxy got broken connections rather than hanging, and the answers the
 * agents still had for them are refused by the new proxy without reaching anyone.
 */
class ProxyRestartIT {
    private static final Duration AGENTS_BACK_WITHIN = Duration.ofSeconds(5);
    // Long enough for the agents' backoff (100 ms doubling) to reach its 3 s cap: the worst case.
    private static final Duration DOWNTIME = Duration.ofSeconds(7);
    private static final int PARKED_CLIENTS = 4;
    private static final int PIECE = 64 * 1024;

    private static final CountDownLatch RELEASE_HELD = new CountDownLatch(1);
    @RegisterExtension
    static final FaultScene SCENE = new FaultScene("proxy-restart", Duration.ofSeconds(30), "alpha", "beta");

    @AfterAll
    static void releaseHeldRequests() {
        // Before the scene stops the backends, whose threads still hold the dead proxy's requests.
        RELEASE_HELD.countDown();
    }

    @Test
    void agentsServeAgainWithin5sOfTheRestartAndParkedClientsGetBrokenConnections() throws Exception {
        AwaitedCount heldAtBackend = new AwaitedCount("requests");
        SCENE.backend("alpha").behave((request, response, recorded) -> {
            heldAtBackend.add(1);
            RELEASE_HELD.await(60, TimeUnit.SECONDS);
            response.setStatus(200);
            response.getOutputStream().write("late".getBytes(StandardCharsets.UTF_8));
        });
        SCENE.backend("beta").behave((request, response, recorded) -> {
            response.setStatus(200);
            OutputStream body = response.getOutputStream();
            // A stream of at most 30 s, cut short by the crash.
            for (int piece = 0; piece < 300; piece++) {
                body.write(new byte[PIECE]);
                body.flush();
                Thread.sleep(100);
            }
        });

        List<RawClient> parked = new ArrayList<>();
        try (RawClient streaming = RawClient.connect(SCENE.proxy().port())) {
            for (int i = 0; i < PARKED_CLIENTS; i++) {
                RawClient client = RawClient.connect(SCENE.proxy().port());
                parked.add(client);
                client.send("GET " + SCENE.backend("alpha").path("held/" + i) + " HTTP/1.1\r\nHost: a\r\n\r\n");
            }
            streaming.send("GET " + SCENE.backend("beta").path("stream") + " HTTP/1.1\r\nHost: a\r\n\r\n");
            ByteArrayOutputStream streamStart = new ByteArrayOutputStream();
            streamStart.write(streaming.readUntil("\r\n\r\n"));
            streamStart.write(streaming.input().readNBytes(PIECE));
            heldAtBackend.awaitAtLeast(PARKED_CLIENTS);

            SCENE.proxy().kill();
            long killedAt = System.nanoTime();
            for (RawClient client : parked) {
                ClientOutcome.assertBrokenOff(new byte[0], client.readTimeout(10_000).readToEnd());
            }
            ClientOutcome.assertBrokenOff(streamStart.toByteArray(), streaming.readTimeout(10_000).readToEnd());
            System.out.printf("proxy killed: %d parked clients and one stream broken off within %d ms%n",
                    PARKED_CLIENTS, Duration.ofNanos(System.nanoTime() - killedAt).toMillis());
        } finally {
            for (RawClient client : parked) {
                client.close();
            }
        }

        Thread.sleep(DOWNTIME.toMillis());
        SCENE.proxy().startAgain();
        long upAt = System.nanoTime();
        SCENE.backend("alpha").awaitServed(Duration.ofSeconds(15));
        Duration alphaBack = Duration.ofNanos(System.nanoTime() - upAt);
        SCENE.backend("beta").awaitServed(Duration.ofSeconds(15));
        Duration betaBack = Duration.ofNanos(System.nanoTime() - upAt);
        System.out.printf("after the restart: alpha served again after %d ms, beta after %d ms%n",
                alphaBack.toMillis(), betaBack.toMillis());
        assertTrue(alphaBack.compareTo(AGENTS_BACK_WITHIN) <= 0, "alpha's agent took " + alphaBack);
        assertTrue(betaBack.compareTo(AGENTS_BACK_WITHIN) <= 0, "beta's agent took " + betaBack);

        // The backend now answers the requests of the dead proxy; the new one knows none of them.
        RELEASE_HELD.countDown();
        SCENE.backend("alpha").agent().awaitOutput(Pattern.compile("the proxy no longer waits for the response"), 15);
        SCENE.backend("alpha").assertServed();
        SCENE.backend("beta").assertServed();
        SCENE.proxy().gauges().awaitAllZero();
    }
}
