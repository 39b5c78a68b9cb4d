package net.invertingproxy.agent.forward;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.http.AbortableRequest;
import net.invertingproxy.agent.http.Responses;
import net.invertingproxy.agent.proxy.ProxyClient;
import net.invertingproxy.agent.proxy.ProxyStatusException;
import net.invertingproxy.protocol.MalformedMessageException;
import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.protocol.WireHeaders;

import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.Header;

/**
 * One forwarded request, start to end: read the client request from the proxy, send it to the
 * backend, post the backend's response back. Bodies stream through in both directions and are
 * never held whole. A failure on one side aborts the other side so that nothing broken is ever
 * passed on looking complete.
 */
final class Exchange implements Runnable {
    private static final Logger LOG = Logger.getLogger(Exchange.class.getName());
    // Ample for real clients; a message beyond it is answered 400 rather than held in memory.
    private static final int MAX_HEADER_COUNT = 1000;

    private final String requestId;
    private final AgentConfig config;
    private final ProxyClient proxy;
    private final CloseableHttpClient backend;
    private final BackendRequestFactory backendRequests;

    Exchange(String requestId, AgentConfig config, ProxyClient proxy, CloseableHttpClient backend,
             BackendRequestFactory backendRequests) {
        this.requestId = requestId;
        this.config = config;
        this.proxy = proxy;
        this.backend = backend;
        this.backendRequests = backendRequests;
    }

    @Override
    public void run() {
        CloseableHttpResponse requestRead = readRequest();
        if (requestRead == null) {
            return;
        }
        MessageReader.IncomingRequest clientRequest;
        try {
            clientRequest = new MessageReader(config.maxHeaderBytes(), MAX_HEADER_COUNT)
                    .readRequest(requestRead.getEntity().getContent());
        } catch (MalformedMessageException e) {
            Responses.abort(requestRead);
            fail(GatewayFailure.malformedRequest(e), "GET agent/request", e);
            return;
        } catch (IOException e) {
            Responses.abort(requestRead);
            warn("reading the request message from the proxy failed: " + e.getMessage(), e);
            return;
        }
        forward(requestRead, clientRequest, userIdOf(requestRead));
    }

    private CloseableHttpResponse readRequest() {
        try {
            return proxy.readRequest(requestId);
        } catch (ProxyStatusException e) {
            if (e.status() == 404) {
                LOG.fine(() -> "request " + requestId + " is gone (expired, or taken by another agent)");
            } else {
                warn("the proxy answered " + e.status() + " to reading it; dropped", e);
            }
        } catch (IOException e) {
            warn("reading it from the proxy failed: " + e.getMessage(), e);
        }
        return null;
    }

    private void forward(CloseableHttpResponse requestRead, MessageReader.IncomingRequest clientRequest, String userId) {
        String method = clientRequest.head().method();
        AbortableRequest backendRequest = backendRequests.create(clientRequest.head(), clientRequest.body(), userId);
        CloseableHttpResponse backendResponse;
        try {
            backendResponse = CloseableHttpResponse.adapt(backend.executeOpen(config.backendHost(), backendRequest, null));
        } catch (IOException e) {
            Responses.abort(requestRead);
            if (backendRequest.getEntity() instanceof RequestBodyEntity
                    && ((RequestBodyEntity) backendRequest.getEntity()).sourceFailed()) {
                warn(method + ": the client's request body broke (" + e.getMessage() + "); backend request aborted", e);
            } else {
                fail(GatewayFailure.of(e, config.host(), config.backendTimeout()), method, e);
            }
            return;
        }
        // The request body has been read to its end, so the proxy connection can be reused.
        Responses.close(requestRead);
        respond(clientRequest, backendResponse);
    }

    private void respond(MessageReader.IncomingRequest clientRequest, CloseableHttpResponse backendResponse) {
        String method = clientRequest.head().method();
        ResponseMessageEntity message = new ResponseMessageEntity(backendResponse, method);
        AbortableRequest post = proxy.newResponsePost(requestId, message);
        message.carriedBy(post);
        boolean posted = false;
        try {
            proxy.post(post);
            posted = true;
            LOG.fine(() -> "request " + requestId + ": " + method + " " + clientRequest.head().target()
                    + " -> " + backendResponse.getCode());
        } catch (IOException e) {
            if (message.backendFailed()) {
                warn(method + " -> " + backendResponse.getCode() + ": the backend's response broke mid-body ("
                        + e.getMessage() + "); response to the proxy aborted", e);
            } else if (e instanceof ProxyStatusException && ((ProxyStatusException) e).status() == 404) {
                LOG.info(() -> "request " + requestId + ": the proxy no longer waits for the response"
                        + " (client gone or request expired)");
            } else {
                warn(method + ": posting the response to the proxy failed (" + e.getMessage()
                        + "); backend response aborted", e);
            }
        } finally {
            if (posted) {
                Responses.close(backendResponse);
            } else {
                // Never drain: the client is gone, and the rest of the body may be endless.
                Responses.abort(backendResponse);
            }
        }
    }

    private void fail(GatewayFailure failure, String what, IOException cause) {
        warn(what + " -> " + failure.status() + ": " + failure.reason(), cause);
        post(failure);
    }

    private void post(GatewayFailure failure) {
        try {
            proxy.post(proxy.newResponsePost(requestId, failure.toMessageEntity()));
        } catch (IOException e) {
            warn("posting the " + failure.status() + " answer to the proxy failed: " + e.getMessage(), e);
        }
    }

    /** Answers a request the agent has no room for, without reading it. */
    static void reject(String requestId, GatewayFailure failure, ProxyClient proxy) {
        LOG.warning(() -> "request " + requestId + " -> " + failure.status() + ": " + failure.reason());
        try {
            proxy.post(proxy.newResponsePost(requestId, failure.toMessageEntity()));
        } catch (IOException e) {
            LOG.warning(() -> "request " + requestId + ": posting the " + failure.status()
                    + " answer to the proxy failed: " + e.getMessage());
        }
    }

    private static String userIdOf(CloseableHttpResponse requestRead) {
        Header userId = requestRead.getFirstHeader(WireHeaders.USER_ID);
        return userId == null ? null : userId.getValue();
    }

    // One line per failure; the stack trace only with -debug.
    private void warn(String message, Throwable cause) {
        LOG.warning(() -> "request " + requestId + ": " + message);
        LOG.log(Level.FINE, "request " + requestId + " failure details", cause);
    }
}
