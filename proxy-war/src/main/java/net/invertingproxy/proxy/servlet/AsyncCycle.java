package net.invertingproxy.proxy.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A client request suspended with {@link AsyncContext}: no thread waits for its answer. The
 * request and response may wrap the container's (a dashboard replay); the async cycle is always
 * started without them, so that an abort's re-dispatch goes back to the servlet that parked it.
 */
record AsyncCycle(AsyncContext async, HttpServletRequest request, HttpServletResponse response) implements ClientCycle {

    @Override
    public void complete() {
        try {
            async.complete();
        } catch (IllegalStateException e) {
            // Already completed by the container after a client error.
        }
    }

    /**
     * There is no portable servlet call for breaking a connection, and the container's way must
     * run on a thread of the client's own request, so the request is dispatched back to its
     * servlet, which breaks the connection with {@link ConnectionBreaker}.
     */
    @Override
    public void abort(String reason) {
        try {
            async.getRequest().setAttribute(ParkedClient.ABORT_ATTRIBUTE, reason);
            async.dispatch();
        } catch (IllegalStateException e) {
            // The container already ended the request: the connection is gone anyway.
        }
    }
}
