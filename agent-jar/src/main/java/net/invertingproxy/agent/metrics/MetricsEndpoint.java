package net.invertingproxy.agent.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The {@code -metrics-port} endpoint: {@code GET /metrics} answers the Prometheus text exposition,
 * anything else 404 or 405. It runs on the JDK's own HTTP server with one thread: a scrape is
 * small and rare, and a busy scraper must never take threads from forwarding.
 */
public final class MetricsEndpoint implements AutoCloseable {
    /** The path Prometheus scrapes. */
    public static final String PATH = "/metrics";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    // Enough for a few scrapers at once; more wait in the kernel's queue, not in memory of ours.
    private static final int BACKLOG = 16;

    private final HttpServer server;
    private final ExecutorService thread;

    private MetricsEndpoint(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /** Starts serving {@code exposition} at {@code http://address:port/metrics}; fails if the port is taken. */
    public static MetricsEndpoint start(String address, int port, Supplier<String> exposition) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address, port), BACKLOG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for metrics on " + address + ":" + port + ": "
                    + e.getMessage(), e);
        }
        ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "agent-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/", exchange -> serve(exchange, exposition));
        server.start();
        return new MetricsEndpoint(server, thread);
    }

    /** The address and port it listens on. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void serve(HttpExchange exchange, Supplier<String> exposition) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals(PATH)) {
                answer(exchange, 404, "text/plain; charset=utf-8", "not found: metrics are at " + PATH + "\n");
                return;
            }
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                answer(exchange, 405, "text/plain; charset=utf-8", "method not allowed: use GET\n");
                return;
            }
            answer(exchange, 200, PROMETHEUS_TEXT, exposition.get());
        }
    }

    private static void answer(HttpExchange exchange, int status, String contentType, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        // -1 tells the JDK server there is no body, as a HEAD answer must have none.
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Stops listening at once. */
    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
