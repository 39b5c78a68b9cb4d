package net.invertingproxy.agent.proxy;

import java.io.IOException;

/** The proxy answered an agent call with a status other than 200; the status says what to do next. */
public final class ProxyStatusException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;

    /** The proxy answered {@code call} with {@code status}. */
    public ProxyStatusException(String call, int status) {
        super("proxy answered " + status + " to " + call);
        this.status = status;
    }

    /** The status the proxy answered. */
    public int status() {
        return status;
    }
}
