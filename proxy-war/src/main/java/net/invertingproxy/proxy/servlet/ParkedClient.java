package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.proxy.broker.ClientSide;
import net.invertingproxy.proxy.failure.Failure;

/**
 * A client request suspended with {@link AsyncContext} while it waits for an agent: no thread is
 * held. It ends exactly once, by an answer, an error status, or an abort of the connection.
 */
final class ParkedClient implements ClientSide {
    /** Request attribute telling the async re-dispatch to break the client connection. */
    static final String ABORT_ATTRIBUTE = ParkedClient.class.getName() + ".abort";

    private final AsyncContext async;
    private final AtomicBoolean ended = new AtomicBoolean();

    ParkedClient(AsyncContext async) {
        this.async = async;
    }

    HttpServletRequest request() {
        return (HttpServletRequest) async.getRequest();
    }

    HttpServletResponse response() {
        return (HttpServletResponse) async.getResponse();
    }

    @Override
    public void fail(Failure failure, String reason) {
        if (ended.compareAndSet(false, true)) {
            try {
                ErrorResponses.send(response(), failure.status(), reason);
            } catch (IllegalStateException e) {
                // The container already ended the request.
            }
            completeQuietly();
        }
    }

    /**
     * Ends an exchange that cannot be answered normally: with the failure's status while nothing
     * was sent, else by breaking the connection, so that no client ever takes a partial or default
     * answer for a real one.
     */
    void end(Failure failure, String reason) {
        boolean committed;
        try {
            committed = response().isCommitted();
        } catch (IllegalStateException e) {
            committed = true;
        }
        if (committed) {
            abort(reason);
        } else {
            fail(failure, reason);
        }
    }

    /** Ends the response normally: the body is complete. */
    void complete() {
        if (ended.compareAndSet(false, true)) {
            completeQuietly();
        }
    }

    /**
     * Breaks the client connection so that a response cut short can never look complete: there is
     * no portable servlet call for that, but every container aborts the connection when a servlet
     * throws after the response is committed, so the request is dispatched back to a servlet that throws.
     */
    void abort(String reason) {
        if (ended.compareAndSet(false, true)) {
            try {
                async.getRequest().setAttribute(ABORT_ATTRIBUTE, reason);
                async.dispatch();
            } catch (IllegalStateException e) {
                // The container already ended the request: the connection is gone anyway.
            }
        }
    }

    /** Whether the exchange has already ended on the client's side. */
    boolean hasEnded() {
        return ended.get();
    }

    /** Thrown by the async re-dispatch to make the container abort the client connection. */
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

    private void completeQuietly() {
        try {
            async.complete();
        } catch (IllegalStateException e) {
            // Already completed by the container after a client error.
        }
    }
}
