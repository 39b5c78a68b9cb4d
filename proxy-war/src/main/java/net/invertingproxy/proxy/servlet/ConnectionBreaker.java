package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.lang.reflect.Constructor;

import jakarta.servlet.http.HttpServletResponse;

/**
 * Breaks the connection of a client whose response is already committed, so that a response cut
 * short can never look complete: the client gets no last chunk, or fewer bytes than the length, and
 * the connection is closed, never reused.
 *
 * <p>The Servlet API has no call for that, so it is done the way each container itself takes for a
 * deliberate close rather than an application error, which it would log as one (Tomcat: two
 * {@code SEVERE} lines with stack traces per abort; Jetty: a {@code WARNING}):
 * <ul>
 * <li>Jetty 12 aborts the response on {@code sendError(-1)}: its {@code ServletApiResponse}
 *     turns status {@code -1} into {@code ServletChannel.abort}, which closes an HTTP/1 connection
 *     and logs nothing above debug.</li>
 * <li>Every other container follows the Servlet API: {@code sendError} on a committed response
 *     throws {@link IllegalStateException} and changes nothing. Then the servlet throws. Tomcat
 *     (10.1 and 11) closes the connection when a servlet throws after the response was committed
 *     ({@code ErrorReportValve}: {@code CLOSE_NOW}) and logs the exception as {@code SEVERE} unless
 *     it is its own {@code org.apache.coyote.CloseNowException} ("the connection must be closed"),
 *     which {@code StandardWrapperValve} and {@code ApplicationDispatcher} log at debug only. That
 *     class is on Tomcat's common class path, which every web application sees; it is looked up by
 *     name, so the WAR needs no Tomcat class to build and deploys unchanged to Jetty.</li>
 * <li>Elsewhere the servlet throws its own {@link ConnectionAbort}.</li>
 * </ul>
 */
final class ConnectionBreaker {
    /** Tomcat's exception for "close the connection now"; public, with a {@code (String)} constructor. */
    static final String TOMCAT_CLOSE_NOW = "org.apache.coyote.CloseNowException";
    /** The status that makes Jetty abort the response instead of sending an error. */
    private static final int JETTY_ABORT = -1;
    private static final System.Logger LOG = System.getLogger(ConnectionBreaker.class.getName());

    private final Constructor<? extends IOException> closeNow;

    private ConnectionBreaker(Constructor<? extends IOException> closeNow) {
        this.closeNow = closeNow;
    }

    /** The breaker for the container whose classes the given loader (the web application's) sees. */
    static ConnectionBreaker forContainerOf(ClassLoader webAppLoader) {
        Constructor<? extends IOException> closeNow = null;
        try {
            closeNow = Class.forName(TOMCAT_CLOSE_NOW, false, webAppLoader).asSubclass(IOException.class)
                    .getConstructor(String.class);
        } catch (ReflectiveOperationException | LinkageError | ClassCastException | SecurityException e) {
            // Not Tomcat.
        }
        LOG.log(System.Logger.Level.DEBUG, "a committed response is broken off with sendError(-1), else by throwing {0}",
                closeNow == null ? ConnectionAbort.class.getName() : TOMCAT_CLOSE_NOW);
        return new ConnectionBreaker(closeNow);
    }

    /**
     * Breaks the client's connection. To be called by the servlet on a container thread of the
     * client's own request (its async re-dispatch): either returns with the connection aborted, or
     * throws the exception that the servlet must let through to make the container abort it.
     */
    void breakConnection(HttpServletResponse response, String reason) throws IOException {
        if (response.isCommitted()) {
            try {
                response.sendError(JETTY_ABORT, reason);
                return;
            } catch (IllegalStateException committed) {
                // Not Jetty: sendError on a committed response is refused, as the Servlet API says.
            }
        }
        throw closeNowException(reason);
    }

    /** The exception the servlet throws: Tomcat's quiet {@code CloseNowException} where there is one. */
    IOException closeNowException(String reason) {
        if (closeNow != null) {
            try {
                return closeNow.newInstance(reason);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Fall back to our own exception: the connection is still closed, only logged louder.
            }
        }
        return new ConnectionAbort(reason);
    }

    /** Thrown by the servlet to make a container without a quieter way abort the client connection. */
    static final class ConnectionAbort extends IOException {
        private static final long serialVersionUID = 1L;

        ConnectionAbort(String reason) {
            super(reason, null);
        }

        // No stack trace: this is a deliberate signal, logged by the container at most once.
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
