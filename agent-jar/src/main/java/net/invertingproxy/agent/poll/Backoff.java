package net.invertingproxy.agent.poll;

import java.time.Duration;
import java.util.Random;

/**
 * Exponential backoff with jitter between failed polls: the delay starts at {@link #INITIAL},
 * doubles after each failure up to {@link #MAX}, and each delay is moved by up to {@link #JITTER}
 * of itself either way so that many agents do not retry in step. Not thread-safe: one per loop.
 */
public final class Backoff {
    /** The first delay (the Go agent starts at 1 ms, which retries a refused proxy a dozen times in a blink). */
    public static final Duration INITIAL = Duration.ofMillis(100);
    /** The longest delay before jitter, as in the Go agent. */
    public static final Duration MAX = Duration.ofSeconds(3);
    /** The share of each delay that jitter may add or take away, as in the Go agent. */
    public static final double JITTER = 0.1;

    private final long initialNanos;
    private final long maxNanos;
    private final double jitter;
    private final Random random;
    private long nextNanos;

    /** A backoff with the given bounds; {@code random} is injected so tests can pin the jitter. */
    public Backoff(Duration initial, Duration max, double jitter, Random random) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("need 0 < initial <= max and 0 <= jitter < 1");
        }
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.jitter = jitter;
        this.random = random;
        this.nextNanos = initialNanos;
    }

    /** The standard backoff: 100 ms doubling to 3 s, 10% jitter. */
    public static Backoff standard() {
        return new Backoff(INITIAL, MAX, JITTER, new Random());
    }

    /** The delay before the next retry; each call doubles the one after, up to the maximum. */
    public Duration next() {
        long nominal = nextNanos;
        nextNanos = nominal > maxNanos / 2 ? maxNanos : nominal * 2;
        double factor = 1 + jitter * (2 * random.nextDouble() - 1);
        return Duration.ofNanos(Math.round(nominal * factor));
    }

    /** Starts again from the initial delay, after a success. */
    public void reset() {
        nextNanos = initialNanos;
    }
}
