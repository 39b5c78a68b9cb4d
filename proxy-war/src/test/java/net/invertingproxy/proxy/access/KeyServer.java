package net.invertingproxy.proxy.access;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** A real loopback HTTP server standing in for the ALB key endpoint: {@code /<region>/<kid>} answers its PEM. */
final class KeyServer implements AutoCloseable {
    final List<String> requestedPaths = new CopyOnWriteArrayList<>();
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private final Set<String> chunked = ConcurrentHashMap.newKeySet();
    private final Set<String> stalled = ConcurrentHashMap.newKeySet();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final HttpServer server;
    private volatile CountDownLatch gate = new CountDownLatch(0);

    KeyServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.setExecutor(executor);
        server.start();
    }

    /** The URL template for {@link AlbPublicKeys} that points here. */
    String urlTemplate() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/{region}/{kid}";
    }

    void put(String region, String kid, String body) {
        answers.put("/" + region + "/" + kid, body);
    }

    /** Sends the PEM without a Content-Length (chunked). */
    void putChunked(String region, String kid, String body) {
        put(region, kid, body);
        chunked.add("/" + region + "/" + kid);
    }

    /** Sends headers promising a body, then nothing until closed. */
    void putStalled(String region, String kid) {
        stalled.add("/" + region + "/" + kid);
    }

    /** Holds every answer until the returned latch is counted down. */
    CountDownLatch holdAnswers() {
        gate = new CountDownLatch(1);
        return gate;
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            requestedPaths.add(path);
            if (!gate.await(30, TimeUnit.SECONDS)) {
                throw new IOException("test never released the answer");
            }
            if (stalled.contains(path)) {
                exchange.sendResponseHeaders(200, 200);
                exchange.getResponseBody().flush();
                closed.await(30, TimeUnit.SECONDS);
                return;
            }
            String body = answers.get(path);
            byte[] bytes = (body == null ? "no such key" : body).getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(body == null ? 404 : 200, chunked.contains(path) ? 0 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
