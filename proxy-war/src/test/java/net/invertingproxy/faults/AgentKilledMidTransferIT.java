package net.invertingproxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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

    @RegisterExtension
    static final FaultScene SCENE = new FaultScene("agent-killed", Duration.ofSeconds(30), "victim", "bystander");

    @BeforeEach
    void victimHasALiveAgent() throws Exception {
        if (!SCENE.backend("victim").agent().isAlive()) {
            SCENE.backend("victim").startAgent();
        }
    }

    @Test
    void killedMidUploadGivesTheClient502AndTheBackendABrokenRequest() throws Exception {
        AwaitedCount backendRead = new AwaitedCount("body bytes");
        CompletableFuture<String> backendSaw = new CompletableFuture<>();
        SCENE.backend("victim").behave((request, response, recorded) -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream body = request.getInputStream()) {
                int read;
                while ((read = body.read(buffer)) != -1) {
                    backendRead.add(read);
                }
                backendSaw.complete("the whole body, " + backendRead.get() + " bytes");
                response.setStatus(200);
            } catch (IOException e) {
                backendSaw.complete("a broken body after " + backendRead.get() + " bytes");
                throw e;
            }
        });

        try (RawClient client = RawClient.connect(SCENE.proxy().port())) {
            client.send("POST " + SCENE.backend("victim").path("upload") + " HTTP/1.1\r\nHost: a\r\nContent-Length: " + LARGE + "\r\n\r\n");
            PacedUpload upload = PacedUpload.start(client, LARGE);
            backendRead.awaitAtLeast(SEEN_BEFORE_KILL);

            long killedAt = System.nanoTime();
            SCENE.backend("victim").agent().kill();
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

        SCENE.backend("bystander").assertServed();
        SCENE.proxy().gauges().awaitAllZero();
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
        SCENE.backend("victim").behave((request, response, recorded) -> {
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

        try (RawClient client = RawClient.connect(SCENE.proxy().port())) {
            client.send("GET " + SCENE.backend("victim").path("download") + " HTTP/1.1\r\nHost: a\r\n\r\n");
            byte[] head = client.readUntil("\r\n\r\n");
            byte[] bodyStart = client.input().readNBytes(SEEN_BEFORE_KILL / 2);
            String headText = new String(head, StandardCharsets.ISO_8859_1);
            assertTrue(headText.startsWith("HTTP/1.1 200 "), headText);
            assertEquals(chunked, headText.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked"), headText);

            long killedAt = System.nanoTime();
            SCENE.backend("victim").agent().kill();
            killed.countDown();
            RawClient.Received rest = client.readTimeout((int) DEFINITE_WITHIN.toMillis()).readToEnd();
            Duration took = since(killedAt);

            ByteArrayOutputStream start = new ByteArrayOutputStream();
            start.write(head);
            start.write(bodyStart);
            ClientOutcome.assertBrokenOff(start.toByteArray(), rest);
            System.out.printf("agent killed mid-%s download: %s after %d body bytes, %d ms after the kill%n",
                    chunked ? "chunked" : "Content-Length", rest.ending(), bodyStart.length + rest.bytes().length,
                    took.toMillis());
        }

        SCENE.backend("bystander").assertServed();
        SCENE.proxy().gauges().awaitAllZero();
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
