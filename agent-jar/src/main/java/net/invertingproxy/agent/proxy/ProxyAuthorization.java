package net.invertingproxy.agent.proxy;

import java.io.IOException;

/**
 * What the agent sends as {@code Authorization} on its calls to the proxy: a fixed credential, none,
 * or the session credential of an AWS login, renewed as it runs out or when the proxy refuses it.
 */
public interface ProxyAuthorization {
    /** The header value to send now, or null to send none; never blocks. */
    String header();

    /** Makes sure {@link #header()} is fresh, logging in if needed; called before each poll. */
    default void refresh() throws IOException {
    }

    /** The proxy answered 401 to a call that carried {@code sent}: a session is then dropped, to log in again. */
    default void refused(String sent) {
    }

    /** The fixed {@code Authorization} of {@code credential}, or none if it is empty. */
    static ProxyAuthorization of(String credential) {
        String header = credential.isEmpty() ? null : "Bearer " + credential;
        return () -> header;
    }
}
