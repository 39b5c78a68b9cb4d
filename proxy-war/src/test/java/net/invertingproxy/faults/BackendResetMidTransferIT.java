package net.invertingproxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import net.invertingproxy.tunnel.PatternedStream;
import net.invertingproxy.tunnel.RawClient;
import net.invertingproxy.tunnel.RawResponse;

/**
 * As a client moving a large body through the tunnel, when the backend resets its connection
 * (RST) halfway, I get a definite error: a 502 while no response head was sent, else a connection
 * that breaks off, never a shorter response that looks complete; the agent and the proxy go on
 * serving, and no exchange is left behind.
 */
class BackendResetMidTransferIT {
    private static final long LARGE = 256L << 20;
    private static final int BEFORE_RESET = 4 << 20;
    private static final Duration DEFINITE_WITHIN = Duration.ofSeconds(10);

    @RegisterExtension
    static final FaultScene SCENE = new FaultScene("backend-reset", Duration.ofSeconds(30), "resetting", "bystander");

    @Test
    void resetMidRequestBodyGivesTheClient502() throws Exception {
        SCENE.backend("resetting").behave((request, response, recorded) -> {
            InputStream body = request.getInputStream();
            body.readNBytes(BEFORE_RESET);
            ConnectionReset.reset(request);
        });

        try (RawClient client = RawClient.connect(SCENE.proxy().port())) {
            client.send("POST " + SCENE.backend("resetting").path("upload") + " HTTP/1.1\r\nHost: a\r\nContent-Length: " + LARGE + "\r\n\r\n");
            PacedUpload upload = PacedUpload.start(client, LARGE);
            long start = System.nanoTime();
            RawClient.Received received = client.readTimeout((int) DEFINITE_WITHIN.toMillis()).readToEnd();
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            RawResponse answer = ClientOutcome.assertComplete(received);
            assertEquals(502, answer.status(), answer.toString());
            System.out.printf("backend reset mid-upload: %d %s after %d bytes sent, %d ms (upload %s)%n", answer.status(),
                    answer.bodyText().strip(), upload.sent(), took.toMillis(), upload.ended().get(10, TimeUnit.SECONDS));
            assertTrue(upload.sent() < LARGE, "the upload finished before the reset");
        }

        assertEveryoneServedAndNothingLeft();
    }

    @Test
    void resetMidContentLengthResponseBodyBreaksTheClientsConnection() throws Exception {
        assertResetMidResponseBodyBreaksOff(false);
    }

    @Test
    void resetMidChunkedResponseBodyBreaksTheClientsConnection() throws Exception {
        assertResetMidResponseBodyBreaksOff(true);
    }

    private void assertResetMidResponseBodyBreaksOff(boolean chunked) throws Exception {
        SCENE.backend("resetting").behave((request, response, recorded) -> {
            response.setStatus(200);
            if (!chunked) {
                response.setContentLengthLong(LARGE);
            }
            OutputStream body = response.getOutputStream();
            body.write(new PatternedStream(LARGE).readNBytes(BEFORE_RESET));
            body.flush();
            // Let those bytes leave before the reset, which would discard what is still queued.
            Thread.sleep(200);
            ConnectionReset.reset(request);
        });

        try (RawClient client = RawClient.connect(SCENE.proxy().port())) {
            client.send("GET " + SCENE.backend("resetting").path("download") + " HTTP/1.1\r\nHost: a\r\n\r\n");
            byte[] head = client.readUntil("\r\n\r\n");
            String headText = new String(head, StandardCharsets.ISO_8859_1);
            assertTrue(headText.startsWith("HTTP/1.1 200 "), headText);
            assertEquals(chunked, headText.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked"), headText);
            long start = System.nanoTime();
            RawClient.Received rest = client.readTimeout((int) DEFINITE_WITHIN.toMillis()).readToEnd();
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            ClientOutcome.assertBrokenOff(head, rest);
            System.out.printf("backend reset mid-%s response body: %s after %d body bytes, %d ms after the head%n",
                    chunked ? "chunked" : "Content-Length", rest.ending(), rest.bytes().length, took.toMillis());
        }

        assertEveryoneServedAndNothingLeft();
    }

    // The agent survives its backend's reset: the same backend is served again, as is the other one.
    private static void assertEveryoneServedAndNothingLeft() throws Exception {
        SCENE.backend("resetting").assertServed();
        SCENE.backend("bystander").assertServed();
        SCENE.proxy().gauges().awaitAllZero();
    }
}
