package net.invertingproxy.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An ordinary client going on with its requests, one after the other, while a fault plays out
 * elsewhere: every request must be served, and its latencies show whether it was slowed down.
 */
final class NormalClient {
    private static final Duration NORMAL_MEDIAN = Duration.ofMillis(250);
    private static final Duration NORMAL_MAX = Duration.ofMillis(1_900);
    /** Latencies of the requests made, in the order made. */
    record Latencies(List<Duration> each) {
        Duration median() {
            List<Duration> sorted = new ArrayList<>(each);
            Collections.sort(sorted);
            return sorted.get(sorted.size() / 2);
        }

        Duration max() {
            return Collections.max(each);
        }

        /**
         * Asserts ordinary service: a median of at most 250 ms, and no request near the 2 s claim
         * timeout of {@link PackagedProxy#QUICK_FAULTS} (a request read lost and handed out again).
         */
        void assertNormal() {
            if (median().compareTo(NORMAL_MEDIAN) > 0 || max().compareTo(NORMAL_MAX) >= 0) {
                throw new AssertionError("normal clients slowed down: " + this);
            }
        }

        @Override
        public String toString() {
            return each.size() + " requests, p50 " + median().toMillis() + " ms, max " + max().toMillis() + " ms";
        }
    }

    private NormalClient() {
    }

    /**
     * Starts, on a thread of its own, requests to {@code backend} one after the other, each asserted
     * served, 100 ms apart, until {@code duration} has passed (at most 1,000 requests).
     */
    static CompletableFuture<Latencies> runFor(ServedBackend backend, Duration duration) {
        CompletableFuture<Latencies> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            List<Duration> latencies = new ArrayList<>();
            long end = System.nanoTime() + duration.toNanos();
            try {
                while (System.nanoTime() < end && latencies.size() < 1_000) {
                    latencies.add(backend.assertServed());
                    Thread.sleep(100);
                }
                result.complete(new Latencies(latencies));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "normal client");
        thread.setDaemon(true);
        thread.start();
        return result;
    }
}
