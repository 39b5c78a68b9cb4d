package net.invertingproxy.proxy.limits;

import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/** A request refused by its backend's limits, with the seconds after which a retry may succeed. */
public final class RateLimitedException extends FailureException {
    private static final long serialVersionUID = 1L;

    private final long retryAfterSeconds;

    /** A refusal explained by {@code reason}; retrying after {@code retryAfterSeconds} (at least 1) may succeed. */
    public RateLimitedException(String reason, long retryAfterSeconds) {
        super(Failure.BACKEND_RATE_LIMITED, reason);
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    /** The value of the {@code Retry-After} header (RFC 9110 section 10.2.3), in whole seconds. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
