package net.invertingproxy.agent.http;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;

/** Ends responses either cleanly (the connection may be reused) or by discarding the connection unread. */
public final class Responses {
    private static final Logger LOG = Logger.getLogger(Responses.class.getName());

    private Responses() {
    }

    /** Closes a response whose body was read to its end, so its connection goes back to the pool. */
    public static void close(ClassicHttpResponse response) {
        if (response == null) {
            return;
        }
        try {
            response.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing a response failed", e);
        }
    }

    /**
     * Discards a response's connection without reading the rest of its body: a plain close would
     * drain it, which for an endless or stalled body never ends.
     */
    public static void abort(ClassicHttpResponse response) {
        if (response instanceof ModalCloseable) {
            ((ModalCloseable) response).close(CloseMode.IMMEDIATE);
        } else if (response != null) {
            close(response);
        }
    }
}
