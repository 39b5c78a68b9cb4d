package net.invertingproxy.proxy.observe;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each backend last had a client request, since the proxy started. Kept in memory only: a
 * write to the registry file per request would cost far more than the field is worth. Holds one
 * entry per registered backend at most, since only routed requests are noted.
 */
public final class BackendActivity {
    private final Clock clock;
    private final Map<String, Instant> lastUsed = new ConcurrentHashMap<>();

    /** Activity timed by {@code clock}. */
    public BackendActivity(Clock clock) {
        this.clock = clock;
    }

    /** Notes a client request for the backend now. */
    public void used(String backendId) {
        lastUsed.put(backendId, clock.instant());
    }

    /** When the backend last had a client request, or null if none since start. */
    public Instant lastUsed(String backendId) {
        return lastUsed.get(backendId);
    }

    /** Forgets a deleted backend. */
    public void forget(String backendId) {
        lastUsed.remove(backendId);
    }
}
