package net.invertingproxy.agent.proxy;

import java.io.IOException;

/** The proxy answered an agent call with a status other than 200; the status says what to do next. */
public final class ProxyStatusException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;

    /** The proxy answered {@code call} with {@code status}. */
    public ProxyStatusException(String call, int status) {
        this(call, status, "");
    }

    /** The proxy answered {@code call} with {@code status} and the one-line {@code reason} it gave. */
    public ProxyStatusException(String call, int status, String reason) {
        super("proxy answered " + status + " to " + call + (reason.isEmpty() ? "" : ": " + reason));
        this.status = status;
    }

    /** Whether the proxy refused the agent's credential (401) or its backend (403): retrying will not help. */
    public boolean isRefusal() {
        return status == 401 || status == 403;
    }

    /** The status the proxy answered. */
    public int status() {
        return status;
    }
}
