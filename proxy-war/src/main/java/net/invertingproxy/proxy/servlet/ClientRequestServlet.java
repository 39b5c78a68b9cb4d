package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Semaphore;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;

import net.invertingproxy.protocol.HopByHopHeaders;
import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.protocol.ResponseHead;
import net.invertingproxy.protocol.WebSocketUpgrade;
import net.invertingproxy.protocol.WireHeaders;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.broker.Exchange;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.inspect.ExchangeCapture;
import net.invertingproxy.proxy.observe.ExchangeListener;
import net.invertingproxy.proxy.tunnel.TunnelUpgradeHandler;
import net.invertingproxy.proxy.tunnel.UpgradeTunnel;

/**
 * Takes every client request that is not an agent call, parks it until an agent takes it, and
 * returns at once: the client's connection waits without holding a thread. A WebSocket handshake
 * is the exception ({@link HeldCycle}): its thread waits for the backend's answer and, if that is
 * {@code 101}, switches the connection to the tunnel.
 */
public final class ClientRequestServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(ClientRequestServlet.class.getName());

    private transient ProxyComponents components;
    private transient Broker<ParkedClient> broker;
    private transient List<ExchangeListener> exchangeListeners;
    private transient ConnectionBreaker connectionBreaker;
    private transient Semaphore waitingHandshakes;
    private transient ClientParking parking;

    @Override
    public void init() {
        components = ProxyComponents.of(getServletContext());
        broker = components.broker();
        exchangeListeners = components.exchangeListeners();
        connectionBreaker = ConnectionBreaker.forContainerOf(ClientRequestServlet.class.getClassLoader());
        waitingHandshakes = new Semaphore(components.settings().maxWaitingUpgrades());
        parking = new ClientParking(broker, exchangeListeners, connectionBreaker);
    }

    @Override
    protected void service(HttpServletRequest clientRequest, HttpServletResponse clientResponse) throws IOException {
        if (parking.breakIfAborted(clientRequest, clientResponse)) {
            return;
        }
        if (isWebSocketHandshake(clientRequest)) {
            serveHandshake(clientRequest, clientResponse);
            return;
        }
        RoutedRequest routed = new ClientAdmission(components, exchangeListeners).admit(clientRequest, clientResponse);
        if (routed == null) {
            // Refused at the door (no route, not allowed, over a limit): nothing was parked.
            return;
        }
        RequestHead head = ClientRequestHead.of(clientRequest, routed);
        ExchangeCapture capture = components.registry().get(routed.backendId())
                .map(backend -> components.inspector().capture(backend, head,
                        ClientRequestHead.framingOf(clientRequest).hasBody()))
                .orElse(ExchangeCapture.NONE);
        parking.park(clientRequest, clientResponse, routed, head, capture);
    }

    private ExchangeCapture handshakeCaptureOf(HttpServletRequest request, RoutedRequest routed) {
        return components.registry().get(routed.backendId())
                .map(backend -> components.inspector().captureHandshake(backend, ClientRequestHead.of(request, routed, true)))
                .orElse(ExchangeCapture.NONE);
    }

    // Only HTTP/1.1 connections switch protocols (RFC 9110 section 7.8); HTTP/2 has no Upgrade.
    private static boolean isWebSocketHandshake(HttpServletRequest request) {
        if (!"HTTP/1.1".equals(request.getProtocol()) || request.getHeader("Upgrade") == null) {
            return false;
        }
        List<Header> headers = new ArrayList<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            for (String value : Collections.list(request.getHeaders(name))) {
                headers.add(new BasicHeader(name, value));
            }
        }
        return WebSocketUpgrade.isRequested(request.getMethod(), headers);
    }

    private void serveHandshake(HttpServletRequest clientRequest, HttpServletResponse clientResponse)
            throws IOException {
        if (!waitingHandshakes.tryAcquire()) {
            ErrorResponses.send(clientResponse, Failure.HANDSHAKES_AT_CAPACITY.status(),
                    Failure.HANDSHAKES_AT_CAPACITY.reason());
            return;
        }
        HeldCycle cycle = new HeldCycle(clientRequest, clientResponse);
        UpgradeTunnel tunnel = new UpgradeTunnel();
        ParkedClient client;
        Exchange<ParkedClient> exchange;
        HeldCycle.End end;
        try {
            RoutedRequest routed = new ClientAdmission(components, exchangeListeners).admit(clientRequest, clientResponse);
            if (routed == null) {
                return;
            }
            client = new ParkedClient(cycle, routed, ClientRequestHead.of(clientRequest, routed), exchangeListeners, tunnel,
                    handshakeCaptureOf(clientRequest, routed));
            try {
                exchange = broker.park(routed.backendId(), client);
            } catch (FailureException e) {
                client.fail(e.failure(), e.getMessage());
                return;
            }
            Exchange<ParkedClient> parked = exchange;
            tunnel.belongsTo(exchange.id(), (clean, reason, up, down) -> {
                client.tunnelEnded(clean, reason, up, down);
                broker.finish(parked);
            }, components.openTunnels());
            end = awaitAnswer(cycle, exchange);
        } finally {
            waitingHandshakes.release();
        }
        if (end == HeldCycle.End.SWITCHED) {
            switchToTunnel(clientRequest, clientResponse, cycle, exchange);
            return;
        }
        broker.finish(exchange);
        if (end == HeldCycle.End.ABORTED) {
            connectionBreaker.breakConnection(clientResponse, cycle.abortReason());
        }
    }

    private HeldCycle.End awaitAnswer(HeldCycle cycle, Exchange<ParkedClient> exchange) {
        try {
            return cycle.await();
        } catch (InterruptedException e) {
            // The container is stopping its threads.
            Thread.currentThread().interrupt();
            broker.finish(exchange);
            exchange.client().end(Failure.SHUTTING_DOWN, Failure.SHUTTING_DOWN.reason());
            return HeldCycle.End.ABORTED;
        }
    }

    // The backend's end-to-end headers (Sec-WebSocket-Accept, -Protocol, -Extensions, cookies) go
    // with the 101; the two that ask for the switch are set again for this connection.
    private void switchToTunnel(HttpServletRequest clientRequest, HttpServletResponse clientResponse,
                                HeldCycle cycle, Exchange<ParkedClient> exchange) throws IOException {
        ResponseHead head = cycle.switchingHead();
        for (Header header : HopByHopHeaders.remove(head.headers())) {
            clientResponse.addHeader(header.getName(), header.getValue());
        }
        clientResponse.setHeader("Upgrade", WireHeaders.WEBSOCKET);
        clientResponse.setHeader("Connection", "Upgrade");
        clientResponse.setStatus(HttpServletResponse.SC_SWITCHING_PROTOCOLS);
        UpgradeTunnel tunnel = exchange.client().tunnel();
        try {
            JettyUpgradeInput.reopen(clientRequest);
            clientRequest.upgrade(TunnelUpgradeHandler.class).attach(tunnel);
            components.openTunnels().switching(tunnel);
        } catch (ServletException | IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "request {0}: switching the client connection failed: {1}",
                    exchange.id(), e.toString());
            tunnel.fail(Failure.SWITCH_FAILED.reason());
            clientResponse.reset();
            ErrorResponses.send(clientResponse, Failure.SWITCH_FAILED.status(), Failure.SWITCH_FAILED.reason());
        }
    }
}
