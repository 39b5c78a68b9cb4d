package net.invertingproxy.proxy.limits;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;

import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.Limits;

/**
 * Admits client requests under each backend's {@link Limits}: a token bucket (Bucket4j) for the
 * rate, allowing bursts of one second's worth, and a counter for requests in flight. State is kept
 * per backend ID and rebuilt when the backend's limits change; {@link #forget} drops a deleted one.
 */
public final class BackendLimiter {
    // Greedy refill spreads tokens evenly; counting in thousandths keeps fractional rates such as 0.5/s exact.
    private static final long MILLI_TOKENS_PER_REQUEST = 1000;

    private final Map<String, State> states = new ConcurrentHashMap<>();

    private static final class State {
        final Limits limits;
        final Bucket bucket;
        final AtomicInteger inFlight;

        State(Limits limits, AtomicInteger inFlight) {
            this.limits = limits;
            this.inFlight = inFlight;
            this.bucket = limits.requestsPerSecond() > 0 ? bucketOf(limits.requestsPerSecond()) : null;
        }
    }

    /** Admits a request for {@code backend} or throws the 429 to answer, with its {@code Retry-After}. */
    public Admission admit(Backend backend) throws RateLimitedException {
        Limits limits = backend.limits();
        if (limits.maxInFlight() == 0 && limits.requestsPerSecond() == 0) {
            return Admission.FREE;
        }
        State state = states.compute(backend.id(), (id, current) -> current != null && current.limits.equals(limits)
                ? current : new State(limits, current == null ? new AtomicInteger() : current.inFlight));
        if (state.bucket != null) {
            ConsumptionProbe probe = state.bucket.tryConsumeAndReturnRemaining(MILLI_TOKENS_PER_REQUEST);
            if (!probe.isConsumed()) {
                long seconds = TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L);
                throw new RateLimitedException("backend '" + backend.id() + "' allows " + limits.requestsPerSecond()
                        + " requests per second", seconds);
            }
        }
        if (limits.maxInFlight() > 0) {
            if (state.inFlight.incrementAndGet() > limits.maxInFlight()) {
                state.inFlight.decrementAndGet();
                throw new RateLimitedException("backend '" + backend.id() + "' allows " + limits.maxInFlight()
                        + " requests in flight", 1);
            }
            AtomicBoolean released = new AtomicBoolean();
            AtomicInteger counter = state.inFlight;
            return () -> {
                if (released.compareAndSet(false, true)) {
                    counter.decrementAndGet();
                }
            };
        }
        return Admission.FREE;
    }

    /** Forgets a deleted backend's state. */
    public void forget(String backendId) {
        states.remove(backendId);
    }

    private static Bucket bucketOf(double requestsPerSecond) {
        long milliTokensPerSecond = Math.max(1, Math.round(requestsPerSecond * MILLI_TOKENS_PER_REQUEST));
        // A burst of one second's worth, and never less than one request.
        long capacity = Math.max(MILLI_TOKENS_PER_REQUEST, milliTokensPerSecond);
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(capacity).refillGreedy(milliTokensPerSecond, Duration.ofSeconds(1)))
                .build();
    }
}
