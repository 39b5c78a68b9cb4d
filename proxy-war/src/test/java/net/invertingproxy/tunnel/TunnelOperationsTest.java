package net.invertingproxy.tunnel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.Test;

/** What an operator relies on: one access-log line per exchange without secrets, readiness, and a drain that lets streams finish. */
class TunnelOperationsTest {
    @Test
    void everyExchangeLogsOneLineWithoutSecrets() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Logger accessLogger = Logger.getLogger("net.invertingproxy.access");
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        accessLogger.setLevel(Level.INFO);
        accessLogger.addHandler(capture);
        try (Tunnel tunnel = Tunnel.start()) {
            tunnel.backend.behave((request, response, recorded) -> {
                response.setStatus(201);
                response.getOutputStream().write("12345".getBytes(UTF_8));
            });
            HttpGet get = new HttpGet(tunnel.uri("/orders/7?token=secret-query"));
            get.addHeader("Authorization", "Bearer secret-header");
            get.addHeader("Cookie", "session=secret-cookie");

            tunnel.client.execute(get, response -> EntityUtils.toString(response.getEntity()));

            String line = awaitLine(lines, "path=/orders/7");
            assertTrue(line.startsWith("backend=default method=GET path=/orders/7 status=201 outcome=ANSWERED bytes_in=0 bytes_out=5 "),
                    line);
            assertTrue(line.contains(" agent=127.0.0.1 "), line);
            assertTrue(line.matches(".* wait_ms=\\d+ total_ms=\\d+ backend_ms=\\d+ .*"), line);
            assertFalse(line.contains("secret"), line);
            Thread.sleep(200);
            assertEquals(1, lines.stream().filter(l -> l.contains("path=/orders/7")).count(), "one line per exchange: " + lines);
        } finally {
            accessLogger.removeHandler(capture);
        }
    }

    @Test
    void refusedRequestsAreLoggedWithTheirReason() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Logger accessLogger = Logger.getLogger("net.invertingproxy.access");
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        accessLogger.addHandler(capture);
        try (Tunnel tunnel = Tunnel.withoutAgent(Tunnel.settings())) {
            tunnel.client.execute(new HttpGet(tunnel.uri("/nobody")), response -> response.getCode());

            String line = awaitLine(lines, "path=/nobody");
            assertTrue(line.contains(" status=503 outcome=REFUSED "), line);
            assertTrue(line.endsWith(" agent=- reason=\"no agent is connected for this backend\""), line);
        } finally {
            accessLogger.removeHandler(capture);
        }
    }

    @Test
    void drainTurnsReadinessOffRefusesNewRequestsAndLetsAStreamFinish() throws Exception {
        try (Tunnel tunnel = Tunnel.start()) {
            assertEquals("200 ok", get(tunnel, "/readyz"));
            assertEquals("200 ok", get(tunnel, "/healthz"));
            tunnel.backend.behave((request, response, recorded) -> {
                response.setStatus(200);
                for (int piece = 0; piece < 10; piece++) {
                    response.getOutputStream().write(("piece " + piece + "\n").getBytes(UTF_8));
                    response.flushBuffer();
                    Thread.sleep(200);
                }
            });

            // A slow stream starts, then the proxy drains and stops: the stream must still finish.
            try (ClassicHttpResponse stream = tunnel.client.executeOpen(null, new HttpGet(tunnel.uri("/slow")), null)) {
                InputStream body = stream.getEntity().getContent();
                assertEquals("piece 0\n", new String(body.readNBytes(8), UTF_8));

                tunnel.proxy.startDrain();

                assertEquals("503 draining", get(tunnel, "/readyz"));
                assertEquals("200 draining", get(tunnel, "/healthz"));
                assertEquals("503 the proxy is shutting down", get(tunnel, "/new-request"));
                CompletableFuture<Void> stopping = CompletableFuture.runAsync(tunnel.proxy::stop);
                String rest = new String(body.readAllBytes(), UTF_8);

                assertEquals(9, rest.lines().count(), rest);
                assertTrue(rest.endsWith("piece 9\n"), rest);
                stopping.get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void metricsCountRequestsPollsAndLatencyInPrometheusFormat() throws Exception {
        try (Tunnel tunnel = Tunnel.start()) {
            tunnel.backend.behave((request, response, recorded) -> {
                response.setStatus(202);
                response.getOutputStream().write("abc".getBytes(UTF_8));
            });
            for (int i = 0; i < 3; i++) {
                tunnel.client.execute(new HttpGet(tunnel.uri("/counted")), response -> EntityUtils.toString(response.getEntity()));
            }
            Thread.sleep(200);

            String metrics = tunnel.client.execute(new HttpGet(tunnel.uri("/metrics")), response -> {
                assertEquals(200, response.getCode());
                assertTrue(response.getFirstHeader("Content-Type").getValue().startsWith("text/plain; version=0.0.4"));
                return EntityUtils.toString(response.getEntity());
            });

            assertTrue(metrics.contains("inverting_proxy_client_requests_total{backend=\"default\",outcome=\"ANSWERED\",status=\"202\"} 3.0"), metrics);
            assertTrue(metrics.contains("inverting_proxy_client_bytes_out_bytes_total{backend=\"default\"} 9.0"), metrics);
            assertTrue(metrics.contains("inverting_proxy_client_duration_seconds_bucket{backend=\"default\",le=\"+Inf\"}"), metrics);
            assertTrue(metrics.contains("inverting_proxy_backend_duration_seconds_bucket{backend=\"default\""), metrics);
            assertTrue(metrics.contains("inverting_proxy_agents_connected{backend=\"default\"} 1.0"), metrics);
            assertTrue(metrics.matches("(?s).*inverting_proxy_polls_total\\{backend=\"default\",result=\"work\"} [1-9].*"), metrics);
            assertTrue(metrics.contains("jvm_memory_used_bytes"), "JVM meters are bound");
        }
    }

    @Test
    void metricsCanBeTurnedOffOrRequireAToken() throws Exception {
        try (Tunnel off = Tunnel.withoutAgent(Tunnel.settings("metrics-access", "off"))) {
            assertEquals("404 metrics are turned off", get(off, "/metrics"));
        }
        try (Tunnel guarded = Tunnel.withoutAgent(Tunnel.settings("metrics-token", "s3cret"))) {
            assertEquals("401 metrics need a bearer token", get(guarded, "/metrics"));
            HttpGet withToken = new HttpGet(guarded.uri("/metrics"));
            withToken.addHeader("Authorization", "Bearer s3cret");
            assertEquals(200, (int) guarded.client.execute(withToken, response -> response.getCode()));
            try (RawClient raw = RawClient.connect(guarded.proxy.port())) {
                raw.readTimeout(5_000);
                raw.send("GET /metrics HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer s3creT\r\n\r\n");
                assertEquals(401, raw.readResponse().status());
            }
        }
    }

    @Test
    void metricsByDefaultAreForLocalCallersNotForClientsOfAReverseProxyOnTheSameMachine() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            assertEquals(200, (int) tunnel.client.execute(new HttpGet(tunnel.uri("/metrics")), response -> response.getCode()));
            for (String forwarded : List.of("X-Forwarded-For: 203.0.113.9", "Forwarded: for=203.0.113.9",
                    "X-Real-IP: 203.0.113.9", "Via: 1.1 nginx", "X-Forwarded-Proto: https",
                    "X-Forwarded-Host: proxy.example")) {
                HttpGet relayed = new HttpGet(tunnel.uri("/metrics"));
                String[] header = forwarded.split(": ", 2);
                relayed.addHeader(header[0], header[1]);
                assertEquals("403 metrics are readable from loopback only", tunnel.client.execute(relayed,
                        response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()).trim()),
                        forwarded);
            }
        }
    }

    private static String get(Tunnel tunnel, String path) throws Exception {
        return tunnel.client.execute(new HttpGet(tunnel.uri(path)),
                response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()).trim());
    }

    private static String awaitLine(List<String> lines, String containing) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            for (String line : lines) {
                if (line.contains(containing)) {
                    return line;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no access-log line with " + containing + " within 5 s: " + lines);
    }
}
