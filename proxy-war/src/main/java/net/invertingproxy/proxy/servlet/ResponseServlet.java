package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.protocol.BodyCopier;
import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MalformedMessageException;
import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.protocol.MessageReader.IncomingResponse;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.broker.Exchange;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.tunnel.UpgradeTunnel;

/**
 * {@code POST agent/response}: reads the backend's answer, an HTTP/1.1 response message, from the
 * agent and streams it to the waiting client as it arrives.
 */
public final class ResponseServlet extends HttpServlet {
    // Beyond what a well-formed post leaves after its message (a last chunk and trailers).
    private static final long MAX_UNREAD_POST_BYTES = 64 * 1024;
    // Large bodies move in pieces this big: fewer, larger writes to the client cost less CPU per byte.
    private static final int LARGE_BODY_BUFFER = 64 * 1024;
    // A chunked body may be a few bytes or endless; it starts with a buffer of ordinary size.
    private static final int CHUNKED_BODY_BUFFER = 16 * 1024;
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(ResponseServlet.class.getName());

    private transient Broker<ParkedClient> broker;
    private transient MessageReader messageReader;
    private transient StreamingSlots streamingSlots;

    private transient ProxyComponents components;

    @Override
    public void init() {
        components = ProxyComponents.of(getServletContext());
        broker = components.broker();
        messageReader = components.messageReader();
        streamingSlots = components.streamingSlots();
    }

    @Override
    protected void doPost(HttpServletRequest agentRequest, HttpServletResponse agentResponse) throws IOException {
        Exchange<ParkedClient> exchange;
        try {
            exchange = broker.claimResponse(AgentCallHeaders.authorizedBackendId(agentRequest, components),
                    AgentCallHeaders.requestId(agentRequest), AgentCallHeaders.namedAgentKey(agentRequest));
        } catch (FailureException e) {
            // The agent may still be sending the message: closing tells it to stop, and keeps the
            // unread rest from being taken as the start of its next call.
            ErrorResponses.send(agentResponse, e.status(), e.getMessage(), true);
            return;
        }
        if (!streamingSlots.tryTake()) {
            broker.finish(exchange);
            RequestServlet.atCapacity(exchange, agentResponse);
            return;
        }
        try {
            exchange.client().responseStarted(agentRequest.getRemoteAddr());
            relay(exchange, agentRequest, agentResponse);
        } finally {
            streamingSlots.giveBack();
        }
    }

    private void relay(Exchange<ParkedClient> exchange, HttpServletRequest agentRequest,
                       HttpServletResponse agentResponse) throws IOException {
        ParkedClient client = exchange.client();
        IncomingResponse incoming;
        try {
            incoming = readHead(agentRequest, client);
        } catch (MalformedMessageException e) {
            LOG.log(Level.WARNING, "agent sent a malformed response for {0}: {1}", exchange.id(), e.getMessage());
            broker.finish(exchange);
            client.fail(Failure.BAD_AGENT_RESPONSE, Failure.BAD_AGENT_RESPONSE.reason());
            ErrorResponses.send(agentResponse, Failure.MALFORMED_MESSAGE.status(), e.getMessage());
            return;
        } catch (IOException e) {
            broker.finish(exchange);
            client.fail(Failure.AGENT_GONE_BEFORE_ANSWER, Failure.AGENT_GONE_BEFORE_ANSWER.reason());
            // The read may have failed on a connection that still works (the container's idle
            // timeout ended a post that stalled inside its head): returning without a status would
            // answer it 200, telling the agent its answer was delivered. Closing stops the rest of
            // the post from being read as the agent's next call; an agent that is gone gets nothing.
            ErrorResponses.send(agentResponse, Failure.MALFORMED_MESSAGE.status(),
                    "response head broke off: " + e.getMessage(), true);
            return;
        }
        if (incoming.head().status() == HttpServletResponse.SC_SWITCHING_PROTOCOLS) {
            switchToTunnel(exchange, incoming, agentRequest);
            return;
        }
        streamToClient(exchange, incoming, agentRequest, agentResponse);
    }

    // The post stays open, without a thread, to carry the backend's bytes to the client, whose
    // own thread switches its connection (docs/protocol.md, section 4).
    private void switchToTunnel(Exchange<ParkedClient> exchange, IncomingResponse incoming,
                                HttpServletRequest agentRequest) throws IOException {
        ParkedClient client = exchange.client();
        byte[] readAhead = incoming.body().takeReadAhead();
        AsyncContext post = agentRequest.startAsync();
        post.setTimeout(0);
        client.capture().responseStarted(incoming.head());
        client.switchProtocols(incoming.head());
        try {
            client.tunnel().switched(post, readAhead);
        } catch (IOException | RuntimeException e) {
            // Ends the client's side as well; the post is answered 410.
            client.tunnel().fail("the agent's post could not be relayed: " + e);
        }
    }

    private IncomingResponse readHead(HttpServletRequest agentRequest, ParkedClient client) throws IOException {
        UpgradeTunnel tunnel = client.tunnel();
        boolean upgradeRequested = tunnel != null && tunnel.sentAsUpgrade();
        IncomingResponse incoming = messageReader.readResponse(agentRequest.getInputStream(),
                client.request().getMethod(), upgradeRequested);
        if (incoming.head().status() == HttpServletResponse.SC_SWITCHING_PROTOCOLS && upgradeRequested) {
            return incoming;
        }
        // Other interim answers (100, 103, a 101 nobody asked for) cannot be relayed as a final response.
        if (incoming.head().status() < 200) {
            throw new MalformedMessageException("interim status " + incoming.head().status() + " as final response");
        }
        return incoming;
    }

    private void streamToClient(Exchange<ParkedClient> exchange, IncomingResponse incoming,
                                HttpServletRequest agentRequest, HttpServletResponse agentResponse) {
        ParkedClient client = exchange.client();
        HttpServletResponse clientResponse = client.response();
        ClientResponseHead.apply(incoming.head(), incoming.body(), clientResponse);
        client.capture().responseStarted(incoming.head());
        BodyFraming framing = incoming.body().framing();
        try {
            OutputStream clientBody = client.capture().responseBody(clientResponse.getOutputStream());
            if (framing.kind() == BodyFraming.Kind.NONE
                    || framing.kind() == BodyFraming.Kind.CONTENT_LENGTH && framing.length() == 0) {
                // The head alone is the whole answer.
                client.releaseAdmission();
            } else if (framing.kind() == BodyFraming.Kind.CONTENT_LENGTH) {
                clientBody = new LastBytesHook(clientBody, framing.length(), client::releaseAdmission);
            }
            // Sending the head at once lets a client see the status before a slow body starts.
            clientResponse.flushBuffer();
            client.responseDelivered(BodyCopier.copy(incoming.body(), clientBody, copyBufferSize(framing)));
        } catch (BodyCopier.SourceFailedException e) {
            client.responseDelivered(e.copied());
            LOG.log(Level.INFO, "response of the agent for {0} broke off: {1}", exchange.id(), e.getMessage());
            broker.finish(exchange);
            client.abort("the response of the agent broke off");
            ErrorResponses.send(agentResponse, Failure.MALFORMED_MESSAGE.status(), "response body broke off: " + e.getMessage());
            return;
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "client of {0} went away: {1}", exchange.id(), e.getMessage());
            broker.finish(exchange);
            client.end(Failure.CLIENT_CONNECTION_FAILED, Failure.CLIENT_CONNECTION_FAILED.reason());
            // Closing the agent's connection tells it to stop forwarding the backend's body.
            ErrorResponses.send(agentResponse, Failure.CLIENT_GONE.status(), Failure.CLIENT_GONE.reason(), true);
            return;
        }
        client.complete();
        broker.finish(exchange);
        readRestOfPost(agentRequest);
        agentResponse.setStatus(HttpServletResponse.SC_OK);
    }

    private static int copyBufferSize(BodyFraming framing) {
        return framing.kind() == BodyFraming.Kind.CONTENT_LENGTH
                ? (int) Math.min(framing.length(), LARGE_BODY_BUFFER) : CHUNKED_BODY_BUFFER;
    }

    /**
     * A message with a length ends before the post carrying it does (a chunked post still has its
     * last chunk to come). Answered with that unread, the container would close the agent's
     * connection, and the agent, reusing it, would lose its next answer to a broken pipe.
     */
    private static void readRestOfPost(HttpServletRequest agentRequest) {
        try {
            InputStream rest = agentRequest.getInputStream();
            byte[] buffer = new byte[256];
            long left = MAX_UNREAD_POST_BYTES;
            int read;
            while (left > 0 && (read = rest.read(buffer)) != -1) {
                left -= read;
            }
        } catch (IOException e) {
            // The agent went away after its answer was delivered: nothing is lost.
        }
    }
}
