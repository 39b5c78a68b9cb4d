package net.invertingproxy.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The proxy's gauges of work in progress as its {@code /metrics} shows them (README, "Metrics"):
 * exchanges parked or streaming (tunnels included), and requests queued per backend. After a
 * fault has played out they must all fall back to zero, or an exchange leaked.
 */
public final class ProxyGauges {
    private static final String EXCHANGES = "inverting_proxy_exchanges";
    private static final String QUEUED = "inverting_proxy_queued_requests";
    private static final Duration SETTLE = Duration.ofSeconds(15);

    private final URI metrics;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    ProxyGauges(int port) {
        this.metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
    }

    /** Every series of the exchange and queue gauges, e.g. {@code inverting_proxy_queued_requests{backend="a"}}, with its value. */
    public Map<String, Double> workInProgress() throws IOException, InterruptedException {
        String scraped = scrape();
        Map<String, Double> series = new LinkedHashMap<>();
        scraped.lines()
                .filter(line -> line.startsWith(EXCHANGES + " ") || line.startsWith(QUEUED + "{"))
                .forEach(line -> {
                    int space = line.lastIndexOf(' ');
                    series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                });
        if (!series.containsKey(EXCHANGES)) {
            throw new AssertionError("/metrics has no " + EXCHANGES + " gauge: " + scraped);
        }
        return series;
    }

    /** A single series' value, e.g. {@code inverting_proxy_agents_connected{backend="a"}}; fails if it is absent. */
    public double value(String series) throws IOException, InterruptedException {
        return scrape().lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length() + 1)))
                .orElseThrow(() -> new AssertionError("/metrics has no series " + series));
    }

    private String scrape() throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + answer.statusCode() + ": " + answer.body());
        }
        return answer.body();
    }

    /**
     * Waits (up to 15 s, polled every 100 ms) until no exchange is in progress and no request is
     * queued, and returns what it saw last; fails with the gauges that stayed above zero.
     */
    public Map<String, Double> awaitAllZero() throws Exception {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        Map<String, Double> seen = workInProgress();
        while (seen.values().stream().anyMatch(value -> value != 0)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("work in progress did not return to zero within " + SETTLE.toSeconds()
                        + " s: an exchange leaked: " + seen);
            }
            Thread.sleep(100);
            seen = workInProgress();
        }
        System.out.println("gauges after the fault: " + seen);
        return seen;
    }
}
