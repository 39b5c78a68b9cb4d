package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.util.List;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.broker.Exchange;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.inspect.ExchangeCapture;
import net.invertingproxy.proxy.observe.ExchangeListener;

/**
 * Suspends an admitted request with {@link AsyncContext} and parks it with the broker until an
 * agent takes it; the request's servlet breaks the connection when the exchange is aborted
 * ({@link #breakIfAborted}). Shared by client requests and the dashboard's replays.
 */
final class ClientParking {
    private final Broker<ParkedClient> broker;
    private final List<ExchangeListener> listeners;
    private final ConnectionBreaker connectionBreaker;

    ClientParking(Broker<ParkedClient> broker, List<ExchangeListener> listeners, ConnectionBreaker connectionBreaker) {
        this.broker = broker;
        this.listeners = listeners;
        this.connectionBreaker = connectionBreaker;
    }

    /**
     * Whether this is the re-dispatch of a parked request ({@link AsyncCycle#abort}); if it asks
     * for it, the connection is broken, on this thread of the request's own as containers need.
     */
    boolean breakIfAborted(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getDispatcherType() != DispatcherType.ASYNC) {
            return false;
        }
        Object reason = request.getAttribute(ParkedClient.ABORT_ATTRIBUTE);
        if (reason != null) {
            connectionBreaker.breakConnection(response, reason.toString());
        }
        return true;
    }

    /**
     * Parks {@code request}, whose head for the backend is {@code head}, answered through {@code
     * response} (either may wrap the container's: see {@link AsyncCycle}).
     */
    void park(HttpServletRequest request, HttpServletResponse response, RoutedRequest routed, RequestHead head,
              ExchangeCapture capture) {
        // Not startAsync(request, response): a re-dispatch would then go to the wrapper's URI.
        AsyncContext async = request.startAsync();
        // The broker's sweeper owns every timeout; the container's own (30 s on Tomcat) must not interfere.
        async.setTimeout(0);
        ParkedClient client = new ParkedClient(new AsyncCycle(async, request, response), routed, head, listeners, null,
                capture);
        Exchange<ParkedClient> exchange;
        try {
            exchange = broker.park(routed.backendId(), client);
        } catch (FailureException e) {
            client.fail(e.failure(), e.getMessage());
            return;
        }
        async.addListener(new ClientGoneListener(exchange));
    }

    /** Frees the exchange when the container reports the client connection broken. */
    private final class ClientGoneListener implements AsyncListener {
        private final Exchange<ParkedClient> exchange;

        ClientGoneListener(Exchange<ParkedClient> exchange) {
            this.exchange = exchange;
        }

        @Override
        public void onError(AsyncEvent event) {
            broker.finish(exchange);
            exchange.client().end(Failure.CLIENT_CONNECTION_FAILED, Failure.CLIENT_CONNECTION_FAILED.reason());
            // The exchange may have ended before the container raised the error (an agent thread
            // found the client's body malformed). A listener that completes nothing during onError
            // makes Tomcat answer 500 (Servlet 6.0 section 2.3.3.3), where the client's malformed
            // body deserves the 400 already set for it.
            try {
                event.getAsyncContext().complete();
            } catch (IllegalStateException e) {
                // Already completed during this error: nothing left to end.
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            onError(event);
        }

        @Override
        public void onComplete(AsyncEvent event) {
            broker.finish(exchange);
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // The listener stays registered for the one async cycle of a parked request.
        }
    }
}
