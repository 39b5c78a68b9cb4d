package net.invertingproxy.proxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The nginx fixture does what the cluster tests rely on: it spreads every request round-robin,
 * streams large bodies, forwards WebSocket upgrades and passes requests on from a dead instance.
 */
class NginxBalancerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final List<Backend> backends = new ArrayList<>();
    private final HttpClient client = HttpClient.newBuilder()
            // HTTP/1.1 only: the client's h2c upgrade offer would otherwise reach the backends as an Upgrade.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
    private NginxBalancer balancer;

    @BeforeEach
    void start() throws Exception {
        for (String name : List.of("a", "b", "c")) {
            backends.add(new Backend(name));
        }
        balancer = NginxBalancer.start(backends.stream().map(Backend::port).toList());
    }

    @AfterEach
    void stop() throws Exception {
        if (balancer != null) {
            balancer.close();
        }
        backends.forEach(Backend::close);
    }

    @Test
    void everyRequestGoesToTheNextInstance() throws Exception {
        Map<String, Integer> answers = new TreeMap<>();
        for (int i = 0; i < 6; i++) {
            answers.merge(get("/hello?i=" + i), 1, Integer::sum);
        }
        assertEquals(Map.of("a", 2, "b", 2, "c", 2), answers, balancer.logTail(20));

        Map<String, Integer> used = new TreeMap<>();
        awaitLogLines(6).forEach(address -> used.merge(address, 1, Integer::sum));
        Map<String, Integer> expected = new TreeMap<>();
        backends.forEach(backend -> expected.put("127.0.0.1:" + backend.port(), 2));
        assertEquals(expected, used, "upstreamsUsed() names the instance that served each call");
    }

    @Test
    void streamsALargeUploadWhole() throws Exception {
        byte[] body = new byte[20 * 1024 * 1024];
        new Random(42).nextBytes(body);
        // An InputStream publisher has no length: the upload is chunked and streamed, as an agent's would be.
        HttpRequest request = HttpRequest.newBuilder(URI.create(balancer.baseUrl() + "upload"))
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body() + "\n" + balancer.logTail(20));
        String[] answer = response.body().split(" ");
        assertEquals(Integer.toString(body.length), answer[1], "bytes the backend received");
        assertEquals(sha256(body), answer[2], "digest of what the backend received");
    }

    @Test
    void forwardsAWebSocketUpgrade() throws Exception {
        // The JDK client refuses to set Upgrade and Connection itself, so this request is written by hand.
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), balancer.port())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("GET /ws HTTP/1.1\r\n"
                    + "Host: example.test\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = readLine(socket.getInputStream());
            assertTrue(status.startsWith("HTTP/1.1 200"), status + "\n" + balancer.logTail(20));
        }
        Map<String, String> headers = backends.stream()
                .map(backend -> backend.upgradeHeaders)
                .filter(seen -> !seen.isEmpty())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no backend saw the upgrade request"));
        assertEquals("websocket", headers.get("upgrade"));
        assertEquals("upgrade", headers.get("connection").toLowerCase());
        assertEquals("example.test", headers.get("host"), "the client's Host is kept");
        assertEquals("dGhlIHNhbXBsZSBub25jZQ==", headers.get("sec-websocket-key"));
        assertEquals("127.0.0.1", headers.get("x-forwarded-for"));
    }

    @Test
    void passesRequestsOnFromAStoppedInstance() throws Exception {
        Backend stopped = backends.get(1);
        stopped.close();
        for (int i = 0; i < 6; i++) {
            assertFalse(stopped.name.equals(get("/after-stop?i=" + i)), "a stopped instance cannot answer");
        }
        // Round-robin picked the stopped instance at least once within 6 calls: the refusal was passed on.
        String dead = "127.0.0.1:" + stopped.port();
        awaitLogLines(6);
        assertTrue(balancer.upstreamAttempts().stream().anyMatch(tried -> tried.size() == 2 && tried.get(0).equals(dead)),
                "some call was refused by " + dead + " and served by another: " + balancer.accessLog());
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create(balancer.baseUrl() + path.substring(1))).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body() + "\n" + balancer.logTail(20));
        return response.body();
    }

    /** nginx logs a request once it has ended, a moment after the client has its answer. */
    private List<String> awaitLogLines(int count) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        List<String> used = balancer.upstreamsUsed();
        while (used.size() < count && Instant.now().isBefore(deadline)) {
            Thread.sleep(10);
            used = balancer.upstreamsUsed();
        }
        assertEquals(count, used.size(), "access log lines: " + balancer.accessLog());
        return used;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            line.append((char) c);
        }
        return line.toString().strip();
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** A JDK HttpServer on 127.0.0.1 that answers its name, and for a POST what it received. */
    private static final class Backend {
        final String name;
        final Map<String, String> upgradeHeaders = new ConcurrentHashMap<>();
        private final HttpServer server;
        private final ExecutorService executor = Executors.newFixedThreadPool(4);

        Backend(String name) throws IOException {
            this.name = name;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            server.createContext("/", this::handle);
            server.setExecutor(executor);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        void close() {
            server.stop(0);
            executor.shutdownNow();
        }

        private void handle(HttpExchange exchange) throws IOException {
            String answer = name;
            if ("POST".equals(exchange.getRequestMethod())) {
                try (InputStream in = exchange.getRequestBody()) {
                    MessageDigest digest = MessageDigest.getInstance("SHA-256");
                    byte[] buffer = new byte[64 * 1024];
                    long total = 0;
                    for (int n = in.read(buffer); n != -1; n = in.read(buffer)) {
                        digest.update(buffer, 0, n);
                        total += n;
                    }
                    answer = name + " " + total + " " + HexFormat.of().formatHex(digest.digest());
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            } else if (exchange.getRequestHeaders().containsKey("Upgrade")) {
                exchange.getRequestHeaders().forEach((header, values) ->
                        upgradeHeaders.put(header.toLowerCase(), String.join(",", values)));
            }
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
