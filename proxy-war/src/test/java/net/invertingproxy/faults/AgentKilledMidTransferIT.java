package net.invertingproxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import net.invertingproxy.tunnel.PatternedStream;
import net.invertingproxy.tunnel.RawClient;
import net.invertingproxy.tunnel.RawResponse;

/**
 * As a client moving a large body through the tunnel, when the agent process is killed with
 * SIGKILL halfway, I get a definite error at once: a 502 while no response head was sent, else a
 * connection that breaks off, never a shorter response that looks complete; the proxy goes on
 * serving the other backend, and no exchange is left behind.
 */
class AgentKilledMidTransferIT {
    private static final long LARGE = 256L << 20;
    private static final int SEEN_BEFORE_KILL = 4 << 20;
    private static final Duration DEFINITE_WITHIN = Duration.ofSeconds(10);

    private static PackagedProxy proxy;
    private static ServedBackend victim;
    private static ServedBackend bystander;

    @BeforeAll
    static void start() throws Exception {
        proxy = PackagedProxy.start("agent-killed", Duration.ofSeconds(30), PackagedProxy.QUICK_FAULTS);
        victim = ServedBackend.start("agent-killed", proxy, "victim");
        bystander = ServedBackend.start("agent-killed", proxy, "bystander");
    }

    @AfterAll
    static void stop() throws Exception {
        try (PackagedProxy p = proxy; ServedBackend v = victim; ServedBackend b = bystander) {
            // closed in reverse order: agents and backends first, the proxy last
        }
    }

    @BeforeEach
    void victimHasALiveAgent() throws Exception {
        if (!victim.agent().isAlive()) {
            victim.startAgent();
        }
    }

    @Test
    void killedMidUploadGivesTheClient502AndTheBackendABrokenRequest() throws Exception {
        AtomicLong backendRead = new AtomicLong();
        CompletableFuture<String> backendSaw = new CompletableFuture<>();
        victim.behave((request, response, recorded) -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream body = request.getInputStream()) {
                int read;
                while ((read = body.read(buffer)) != -1) {
                    backendRead.addAndGet(read);
                }
                backendSaw.complete("the whole body, " + backendRead.get() + " bytes");
                response.setStatus(200);
            } catch (IOException e) {
                backendSaw.complete("a broken body after " + backendRead.get() + " bytes");
                throw e;
            }
        });

        try (RawClient client = RawClient.connect(proxy.port())) {
            client.send("POST " + victim.path("upload") + " HTTP/1.1\r\nHost: a\r\nContent-Length: " + LARGE + "\r\n\r\n");
            PacedUpload upload = PacedUpload.start(client, LARGE);
            awaitAtLeast(backendRead, SEEN_BEFORE_KILL);

            long killedAt = System.nanoTime();
            victim.agent().kill();
            RawClient.Received received = client.readTimeout((int) DEFINITE_WITHIN.toMillis()).readToEnd();
            Duration took = since(killedAt);

            RawResponse answer = ClientOutcome.assertComplete(received);
            assertEquals(502, answer.status(), answer.toString());
            assertTrue(took.compareTo(DEFINITE_WITHIN) < 0, "took " + took);
            System.out.printf("agent killed mid-upload after %d bytes sent: %d %s after %d ms (upload %s)%n",
                    upload.sent(), answer.status(), answer.bodyText().strip(), took.toMillis(),
                    upload.ended().get(10, TimeUnit.SECONDS));
            assertTrue(upload.sent() < LARGE, "the upload finished before the kill");
        }
        String seen = backendSaw.get(10, TimeUnit.SECONDS);
        assertTrue(seen.startsWith("a broken body"), "the backend got " + seen);

        bystander.assertServed();
        proxy.gauges().awaitAllZero();
    }

    @Test
    void killedMidContentLengthDownloadBreaksTheClientsConnection() throws Exception {
        assertDownloadBreaksOff(false);
    }

    @Test
    void killedMidChunkedDownloadBreaksTheClientsConnection() throws Exception {
        assertDownloadBreaksOff(true);
    }

    private void assertDownloadBreaksOff(boolean chunked) throws Exception {
        CountDownLatch killed = new CountDownLatch(1);
        victim.behave((request, response, recorded) -> {
            response.setStatus(200);
            if (!chunked) {
                response.setContentLengthLong(LARGE);
            }
            OutputStream body = response.getOutputStream();
            PatternedStream source = new PatternedStream(LARGE);
            body.write(source.readNBytes(SEEN_BEFORE_KILL));
            body.flush();
            // The rest only once the agent is gone: the test, not a race, decides when the kill strikes.
            killed.await(30, TimeUnit.SECONDS);
            source.transferTo(body);
        });

        try (RawClient client = RawClient.connect(proxy.port())) {
            client.send("GET " + victim.path("download") + " HTTP/1.1\r\nHost: a\r\n\r\n");
            byte[] head = client.readUntil("\r\n\r\n");
            byte[] bodyStart = client.input().readNBytes(SEEN_BEFORE_KILL / 2);
            String headText = new String(head, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(headText.startsWith("HTTP/1.1 200 "), headText);
            assertEquals(chunked, headText.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked"), headText);

            long killedAt = System.nanoTime();
            victim.agent().kill();
            killed.countDown();
            RawClient.Received rest = client.readTimeout((int) DEFINITE_WITHIN.toMillis()).readToEnd();
            Duration took = since(killedAt);

            byte[] start = concat(head, bodyStart);
            ClientOutcome.assertBrokenOff(start, rest);
            System.out.printf("agent killed mid-%s download: %s after %d body bytes, %d ms after the kill%n",
                    chunked ? "chunked" : "Content-Length", rest.ending(), bodyStart.length + rest.bytes().length,
                    took.toMillis());
        }

        bystander.assertServed();
        proxy.gauges().awaitAllZero();
    }

    private static void awaitAtLeast(AtomicLong counter, long wanted) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (counter.get() < wanted) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + counter.get() + " bytes arrived within 20 s");
            }
            Thread.sleep(5);
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] all = new byte[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
