package net.invertingproxy.agent.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds, for asynchronous outcomes. */
public final class Wait {
    private Wait() {
    }

    /** Waits up to {@code timeout} for {@code condition}; fails with {@code what} if it never holds. */
    public static void until(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
