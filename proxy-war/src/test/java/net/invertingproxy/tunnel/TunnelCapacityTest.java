package net.invertingproxy.tunnel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.Test;

/** Long streams cannot take every thread: beyond the streaming bound an exchange gets 503, and health checks still answer. */
class TunnelCapacityTest {
    @Test
    void streamBeyondTheBoundGets503AndHealthStillAnswers() throws Exception {
        try (Tunnel tunnel = Tunnel.start(Tunnel.settings("max-streaming-exchanges", "1"))) {
            CountDownLatch release = new CountDownLatch(1);
            tunnel.backend.behave((request, response, recorded) -> {
                if (request.getRequestURI().equals("/endless")) {
                    response.setStatus(200);
                    response.getOutputStream().write("first piece\n".getBytes(UTF_8));
                    response.flushBuffer();
                    release.await(20, TimeUnit.SECONDS);
                } else {
                    response.setStatus(200);
                    response.getOutputStream().write("short".getBytes(UTF_8));
                }
            });

            try (ClassicHttpResponse stream = tunnel.client.executeOpen(null, new HttpGet(tunnel.uri("/endless")), null)) {
                InputStream body = stream.getEntity().getContent();
                assertEquals("first piece\n", new String(body.readNBytes(12), UTF_8));

                String second = tunnel.client.execute(new HttpGet(tunnel.uri("/short")),
                        response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()).trim());
                String health = tunnel.client.execute(new HttpGet(tunnel.uri("/healthz")),
                        response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()).trim());

                assertEquals("503 the proxy is moving as many bodies as it may", second);
                assertEquals("200 ok", health);
                release.countDown();
            }

            String after = tunnel.client.execute(new HttpGet(tunnel.uri("/short")),
                    response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()));
            assertTrue(after.equals("200 short"), "a slot is free again once the stream ended: " + after);
        }
    }
}
