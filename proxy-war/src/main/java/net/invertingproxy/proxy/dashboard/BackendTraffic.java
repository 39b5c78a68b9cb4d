package net.invertingproxy.proxy.dashboard;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import net.invertingproxy.proxy.observe.ExchangeListener;
import net.invertingproxy.proxy.observe.ExchangeOutcome;
import net.invertingproxy.proxy.observe.ExchangeSummary;

/**
 * The last minute of each backend's traffic, for the dashboard: requests by status class per
 * second, the durations of the latest requests for percentiles, and the latest errors with their
 * reasons. Fixed memory per backend, and only for backends the registry holds: requests no route
 * took, and exchanges that outlive their backend's deletion, are not counted.
 */
public final class BackendTraffic implements ExchangeListener {
    /** The window rates are taken over. */
    public static final int WINDOW_SECONDS = 60;
    static final int LATENCY_SAMPLES = 512;
    static final int RECENT_ERRORS = 20;

    private final Predicate<String> registered;
    private final Clock clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /** Traffic of the backends {@code registered} holds, timed by {@code clock}. */
    public BackendTraffic(Predicate<String> registered, Clock clock) {
        this.registered = registered;
        this.clock = clock;
    }

    /** One error as the dashboard lists it. */
    public record RecentError(Instant at, String method, String path, int status, String outcome, String reason) {
    }

    /**
     * A backend's figures over the last {@link #WINDOW_SECONDS}.
     *
     * @param requestsPerSecond all requests per second
     * @param perSecondByClass requests per second by status class: 2xx, 3xx, 4xx, 5xx, and "none" (connection broken)
     * @param p50Millis median duration of the latest requests, -1 if none
     * @param p90Millis 90th percentile, -1 if none
     * @param p99Millis 99th percentile, -1 if none
     * @param recentErrors the latest errors, newest first
     */
    public record Figures(double requestsPerSecond, Map<String, Double> perSecondByClass, long p50Millis,
                          long p90Millis, long p99Millis, List<RecentError> recentErrors) {
    }

    @Override
    public void exchangeEnded(ExchangeSummary summary) {
        if (!registered.test(summary.backendId())) {
            return;
        }
        windows.computeIfAbsent(summary.backendId(), id -> new Window()).add(summary, clock.instant());
    }

    /** The backend's figures now (zeros for a backend without traffic). */
    public Figures figures(String backendId) {
        Window window = windows.get(backendId);
        return window == null ? new Window().figures(clock.instant()) : window.figures(clock.instant());
    }

    /** Forgets a deleted backend. */
    public void forget(String backendId) {
        windows.remove(backendId);
    }

    private static final String[] CLASSES = {"2xx", "3xx", "4xx", "5xx", "none"};

    private static int classOf(int status) {
        return status >= 200 && status < 600 ? status / 100 - 2 : CLASSES.length - 1;
    }

    private static final class Window {
        // counts[second % WINDOW][class], valid for the second in seconds[second % WINDOW].
        private final long[][] counts = new long[WINDOW_SECONDS][CLASSES.length];
        private final long[] seconds = new long[WINDOW_SECONDS];
        private final long[] latencies = new long[LATENCY_SAMPLES];
        private int latencyCount;
        private int latencyNext;
        private final Deque<RecentError> errors = new ArrayDeque<>();

        synchronized void add(ExchangeSummary summary, Instant now) {
            long second = now.getEpochSecond();
            int slot = (int) (second % WINDOW_SECONDS);
            if (seconds[slot] != second) {
                seconds[slot] = second;
                Arrays.fill(counts[slot], 0);
            }
            counts[slot][classOf(summary.status())]++;
            latencies[latencyNext] = summary.total().toMillis();
            latencyNext = (latencyNext + 1) % LATENCY_SAMPLES;
            latencyCount = Math.min(latencyCount + 1, LATENCY_SAMPLES);
            if (summary.status() >= 500 || summary.status() == 0 || summary.outcome() != ExchangeOutcome.ANSWERED) {
                errors.addFirst(new RecentError(now, summary.method(), summary.path(), summary.status(),
                        summary.outcome().name(), summary.reason()));
                if (errors.size() > RECENT_ERRORS) {
                    errors.removeLast();
                }
            }
        }

        synchronized Figures figures(Instant now) {
            long current = now.getEpochSecond();
            double[] perClass = new double[CLASSES.length];
            double all = 0;
            for (int slot = 0; slot < WINDOW_SECONDS; slot++) {
                if (current - seconds[slot] < WINDOW_SECONDS) {
                    for (int c = 0; c < CLASSES.length; c++) {
                        perClass[c] += counts[slot][c];
                        all += counts[slot][c];
                    }
                }
            }
            Map<String, Double> byClass = new java.util.LinkedHashMap<>();
            for (int c = 0; c < CLASSES.length; c++) {
                byClass.put(CLASSES[c], perClass[c] / WINDOW_SECONDS);
            }
            long[] sorted = Arrays.copyOf(latencies, latencyCount);
            Arrays.sort(sorted);
            return new Figures(all / WINDOW_SECONDS, byClass, percentile(sorted, 50), percentile(sorted, 90),
                    percentile(sorted, 99), new ArrayList<>(errors));
        }

        private static long percentile(long[] sorted, int percent) {
            if (sorted.length == 0) {
                return -1;
            }
            int rank = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, rank)];
        }
    }
}
