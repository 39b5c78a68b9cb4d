package net.invertingproxy.proxy.tunnel;

import jakarta.servlet.http.WebConnection;

/**
 * Closes a switched client connection so that its socket is closed now, on every container: Tomcat
 * closes it only when one of its own threads next handles the connection, and a tunnel mostly
 * ends on a thread of another connection (the agent's post ended); without a nudge
 * ({@link TomcatSocketNudge}) a client whose backend vanished would wait until it next sent.
 */
final class ClientConnectionClose {
    private ClientConnectionClose() {
    }

    /** Closes the connection and makes sure the container closes its socket now. */
    static void close(WebConnection connection, TomcatSocketNudge nudge) throws Exception {
        connection.close();
        if (nudge != null) {
            nudge.dispatch();
        }
    }
}
