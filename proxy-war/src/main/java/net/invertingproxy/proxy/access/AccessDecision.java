package net.invertingproxy.proxy.access;

import java.util.Objects;

/** Whether a client request may reach its backend, and as whom, or how the proxy refuses it. */
public sealed interface AccessDecision {
    /** Let through; {@code userId} is the verified end user, null for a public backend. */
    record Allowed(String userId) implements AccessDecision {
    }

    /**
     * Refused by the proxy itself: {@code status} 401 or 403, {@code reason} one short line for the
     * response and the log (never the presented secret), {@code wwwAuthenticate} the challenge or null.
     */
    record Refused(int status, String reason, String wwwAuthenticate) implements AccessDecision {
        /** Checks the reason is present. */
        public Refused {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
