package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.util.List;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.broker.Exchange;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.observe.ExchangeListener;

/**
 * Takes every client request that is not an agent call, parks it until an agent takes it, and
 * returns at once: the client's connection waits without holding a thread.
 */
public final class ClientRequestServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient ProxyComponents components;
    private transient Broker<ParkedClient> broker;
    private transient List<ExchangeListener> exchangeListeners;
    private transient ConnectionBreaker connectionBreaker;

    @Override
    public void init() {
        components = ProxyComponents.of(getServletContext());
        broker = components.broker();
        exchangeListeners = components.exchangeListeners();
        connectionBreaker = ConnectionBreaker.forContainerOf(ClientRequestServlet.class.getClassLoader());
    }

    @Override
    protected void service(HttpServletRequest clientRequest, HttpServletResponse clientResponse) throws IOException {
        if (clientRequest.getDispatcherType() == DispatcherType.ASYNC) {
            Object reason = clientRequest.getAttribute(ParkedClient.ABORT_ATTRIBUTE);
            if (reason != null) {
                connectionBreaker.breakConnection(clientResponse, reason.toString());
            }
            return;
        }
        RoutedRequest routed = new ClientAdmission(components, exchangeListeners).admit(clientRequest, clientResponse);
        if (routed == null) {
            // Refused at the door (no route, not allowed, over a limit): nothing was parked.
            return;
        }
        AsyncContext async = clientRequest.startAsync();
        // The broker's sweeper owns every timeout; the container's own (30 s on Tomcat) must not interfere.
        async.setTimeout(0);
        ParkedClient client = new ParkedClient(async, routed, exchangeListeners);
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
