package net.invertingproxy.proxy.registry;

/**
 * A backend's limits: at most {@code maxInFlight} client requests parked or streaming at once and
 * {@code requestsPerSecond} new ones per second (with bursts up to one second's worth); 0 means
 * no limit. Beyond either the client gets 429 with {@code Retry-After}.
 */
public record Limits(int maxInFlight, double requestsPerSecond) {
    /** No limits beyond the proxy's own. */
    public static final Limits NONE = new Limits(0, 0);

    /** Rejects negative limits. */
    public Limits {
        if (maxInFlight < 0) {
            throw new InvalidBackendException("limits.maxInFlight must be 0 (none) or more, got " + maxInFlight);
        }
        if (requestsPerSecond < 0 || Double.isNaN(requestsPerSecond) || Double.isInfinite(requestsPerSecond)) {
            throw new InvalidBackendException("limits.requestsPerSecond must be 0 (none) or more, got "
                    + requestsPerSecond);
        }
    }
}
