package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.time.format.DateTimeFormatter;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.protocol.BodyCopier;
import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MessageWriter;
import net.invertingproxy.protocol.WireHeaders;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.broker.Exchange;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * {@code GET agent/request}: streams a parked client request to the agent as an HTTP/1.1 request
 * message, its body copied from the client as it arrives.
 */
public final class RequestServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(RequestServlet.class.getName());
    private static final String MESSAGE_CONTENT_TYPE = "message/http";

    private transient Broker<ParkedClient> broker;

    @Override
    public void init() {
        broker = ProxyComponents.of(getServletContext()).broker();
    }

    @Override
    protected void doGet(HttpServletRequest agentRequest, HttpServletResponse agentResponse) throws IOException {
        Exchange<ParkedClient> exchange;
        try {
            exchange = broker.claimRead(AgentCallHeaders.backendId(agentRequest), AgentCallHeaders.requestId(agentRequest));
        } catch (FailureException e) {
            ErrorResponses.send(agentResponse, e.status(), e.getMessage());
            return;
        }
        HttpServletRequest clientRequest = exchange.client().request();
        agentResponse.setStatus(HttpServletResponse.SC_OK);
        agentResponse.setContentType(MESSAGE_CONTENT_TYPE);
        agentResponse.setHeader(WireHeaders.REQUEST_START_TIME, DateTimeFormatter.ISO_INSTANT.format(exchange.arrivedAt()));
        BodyFraming framing = ClientRequestHead.framingOf(clientRequest);
        try {
            OutputStream body = MessageWriter.writeRequest(ClientRequestHead.of(clientRequest), framing,
                    () -> ClientRequestHead.trailersOf(clientRequest), agentResponse.getOutputStream());
            if (framing.hasBody()) {
                BodyCopier.copy(clientRequest.getInputStream(), body);
            }
            body.close();
        } catch (BodyCopier.SourceFailedException e) {
            LOG.log(Level.DEBUG, "client went away while sending request {0}: {1}", exchange.id(), e.getMessage());
            broker.finish(exchange);
            exchange.client().complete();
            // Breaking the agent's read keeps the backend from seeing a complete-looking request.
            throw e;
        } catch (IOException e) {
            LOG.log(Level.INFO, "agent went away while reading request {0}: {1}", exchange.id(), e.getMessage());
            broker.finish(exchange);
            exchange.client().fail(Failure.AGENT_GONE, "the agent went away while reading the request");
            return;
        }
        broker.readFinished(exchange);
    }
}
