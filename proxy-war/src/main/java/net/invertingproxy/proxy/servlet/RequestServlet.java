package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.time.format.DateTimeFormatter;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.protocol.BodyCopier;
import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MessageWriter;
import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.protocol.WireHeaders;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.broker.Exchange;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.tunnel.UpgradeTunnel;

/**
 * {@code GET agent/request}: streams a parked client request to the agent as an HTTP/1.1 request
 * message, its body copied from the client as it arrives.
 */
public final class RequestServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(RequestServlet.class.getName());
    private static final String MESSAGE_CONTENT_TYPE = "message/http";
    private static final String ABORT_ATTRIBUTE = RequestServlet.class.getName() + ".abort";

    private transient Broker<ParkedClient> broker;
    private transient StreamingSlots streamingSlots;

    private transient ProxyComponents components;

    @Override
    public void init() {
        components = ProxyComponents.of(getServletContext());
        broker = components.broker();
        streamingSlots = components.streamingSlots();
        connectionBreaker = ConnectionBreaker.forContainerOf(RequestServlet.class.getClassLoader());
    }

    private transient ConnectionBreaker connectionBreaker;

    @Override
    protected void service(HttpServletRequest agentRequest, HttpServletResponse agentResponse)
            throws ServletException, IOException {
        if (agentRequest.getDispatcherType() == DispatcherType.ASYNC) {
            // A tunnelled read whose client broke: the agent must see its answer break off too.
            Object reason = agentRequest.getAttribute(ABORT_ATTRIBUTE);
            if (reason != null) {
                connectionBreaker.breakConnection(agentResponse, reason.toString());
            }
            return;
        }
        super.service(agentRequest, agentResponse);
    }

    @Override
    protected void doGet(HttpServletRequest agentRequest, HttpServletResponse agentResponse) throws IOException {
        Exchange<ParkedClient> exchange;
        try {
            exchange = broker.claimRead(AgentCallHeaders.authorizedBackendId(agentRequest, components),
                    AgentCallHeaders.requestId(agentRequest), AgentCallHeaders.namedAgentKey(agentRequest));
        } catch (FailureException e) {
            ErrorResponses.send(agentResponse, e.status(), e.getMessage());
            return;
        }
        if (!streamingSlots.tryTake()) {
            broker.finish(exchange);
            atCapacity(exchange, agentResponse);
            return;
        }
        try {
            sendRequest(exchange, agentRequest, agentResponse);
        } finally {
            streamingSlots.giveBack();
        }
    }

    // The head is on its way; the answer stays open, without a thread, to carry the client's bytes
    // once the backend has switched protocols (docs/protocol.md, section 4).
    private void startTunnelledRead(Exchange<ParkedClient> exchange, UpgradeTunnel tunnel,
                                    HttpServletRequest agentRequest, HttpServletResponse agentResponse)
            throws IOException {
        agentResponse.flushBuffer();
        AsyncContext read = agentRequest.startAsync();
        read.setTimeout(0);
        exchange.client().requestDelivered(0, agentRequest.getRemoteAddr());
        broker.readFinished(exchange);
        tunnel.agentReading(read, () -> {
            try {
                read.getRequest().setAttribute(ABORT_ATTRIBUTE, "the client's connection broke");
                read.dispatch();
            } catch (IllegalStateException e) {
                // The container already ended the read: its connection is gone anyway.
            }
        });
    }

    static void atCapacity(Exchange<ParkedClient> exchange, HttpServletResponse agentResponse) {
        LOG.log(Level.WARNING, "request {0}: every streaming slot is busy; answered 503", exchange.id());
        exchange.client().fail(Failure.STREAMING_AT_CAPACITY, Failure.STREAMING_AT_CAPACITY.reason());
        ErrorResponses.send(agentResponse, Failure.STREAMING_AT_CAPACITY.status(), Failure.STREAMING_AT_CAPACITY.reason());
    }

    private void sendRequest(Exchange<ParkedClient> exchange, HttpServletRequest agentRequest,
                             HttpServletResponse agentResponse) throws IOException {
        HttpServletRequest clientRequest = exchange.client().request();
        agentResponse.setStatus(HttpServletResponse.SC_OK);
        agentResponse.setContentType(MESSAGE_CONTENT_TYPE);
        agentResponse.setHeader(WireHeaders.REQUEST_START_TIME, DateTimeFormatter.ISO_INSTANT.format(exchange.arrivedAt()));
        RoutedRequest routed = exchange.client().routed();
        if (routed.userId() != null) {
            // Verified by the proxy; the agent passes it on with -forward-user-id (protocol: X-Inverting-Proxy-User-ID).
            agentResponse.setHeader(WireHeaders.USER_ID, routed.userId());
        }
        UpgradeTunnel tunnel = exchange.client().tunnel();
        boolean asUpgrade = tunnel != null
                && WireHeaders.WEBSOCKET.equalsIgnoreCase(agentRequest.getHeader(WireHeaders.UPGRADE));
        if (asUpgrade) {
            tunnel.sendingAsUpgrade();
            agentResponse.setHeader(WireHeaders.UPGRADE, WireHeaders.WEBSOCKET);
        }
        // A handshake has no body; what follows its head is the client's upgraded connection.
        BodyFraming framing = asUpgrade ? BodyFraming.none() : ClientRequestHead.framingOf(clientRequest);
        try {
            RequestHead head = asUpgrade ? ClientRequestHead.of(clientRequest, routed, true) : exchange.client().head();
            OutputStream body = MessageWriter.writeRequest(head,
                    framing, () -> ClientRequestHead.trailersOf(clientRequest), agentResponse.getOutputStream());
            if (asUpgrade) {
                startTunnelledRead(exchange, tunnel, agentRequest, agentResponse);
                return;
            }
            // A body of announced length is read to its last byte and no further: see copyExactly.
            OutputStream toAgent = exchange.client().capture().requestBody(body);
            long bytes = !framing.hasBody() ? 0
                    : framing.kind() == BodyFraming.Kind.CONTENT_LENGTH
                    ? BodyCopier.copyExactly(clientRequest.getInputStream(), toAgent, framing.length())
                    : BodyCopier.copy(clientRequest.getInputStream(), toAgent);
            body.close();
            exchange.client().capture().requestBodyEnded();
            exchange.client().requestDelivered(bytes, agentRequest.getRemoteAddr());
        } catch (BodyCopier.SourceFailedException e) {
            LOG.log(Level.DEBUG, "client went away while sending request {0}: {1}", exchange.id(), e.getMessage());
            broker.finish(exchange);
            exchange.client().end(Failure.CLIENT_BODY_BROKEN, Failure.CLIENT_BODY_BROKEN.reason());
            // Breaking the agent's read keeps the backend from seeing a complete-looking request.
            throw e;
        } catch (IOException e) {
            LOG.log(Level.INFO, "agent went away while reading request {0}: {1}", exchange.id(), e.getMessage());
            broker.finish(exchange);
            exchange.client().fail(Failure.AGENT_GONE_WHILE_READING, Failure.AGENT_GONE_WHILE_READING.reason());
            return;
        }
        broker.readFinished(exchange);
    }
}
