package net.invertingproxy.faults;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A count kept by a backend's behaviour (requests that arrived, body bytes read) that a test waits
 * on, so that a fault strikes only once the transfer it should interrupt is under way.
 */
final class AwaitedCount {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final AtomicLong count = new AtomicLong();
    private final String unit;

    /** A count of {@code unit}, e.g. "bytes", named in the failure message. */
    AwaitedCount(String unit) {
        this.unit = unit;
    }

    void add(long amount) {
        count.addAndGet(amount);
    }

    long get() {
        return count.get();
    }

    /** Waits (up to 20 s) until the count reaches {@code wanted}. */
    void awaitAtLeast(long wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (count.get() < wanted) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + count.get() + " of " + wanted + " " + unit + " arrived within "
                        + WAIT.toSeconds() + " s");
            }
            Thread.sleep(5);
        }
    }
}
