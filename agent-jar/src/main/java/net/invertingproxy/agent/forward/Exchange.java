package net.invertingproxy.agent.forward;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.invertingproxy.agent.http.CancellableExec;
import net.invertingproxy.agent.proxy.ProxyClient;
import net.invertingproxy.agent.proxy.ProxyStatusException;
import net.invertingproxy.agent.tunnel.TunnelListener;
import net.invertingproxy.agent.tunnel.WebSocketTunnel;
import net.invertingproxy.protocol.BodyCopier;
import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MalformedMessageException;
import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.protocol.PendingRequest;
import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.protocol.WebSocketUpgrade;

import org.apache.hc.core5.concurrent.ComplexCancellable;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;

/**
 * One forwarded request: take the client request (read from the proxy, or carried in the poll
 * answer, see {@link RequestSource}), send it to the backend, post the backend's response back. It
 * holds a thread only while the request moves: one reads the request and uploads its body, then
 * lets go; while the backend prepares its answer no thread waits; the response streams from the
 * backend into the post to the proxy on I/O threads alone ({@link ResponseMessageProducer}). Bodies
 * are never held whole. A failure on one side aborts the other side so that nothing broken is ever
 * passed on looking complete.
 *
 * <p>A WebSocket handshake the proxy tunnels goes to a {@link WebSocketTunnel} instead, which
 * holds a thread per direction for the connection's life.
 *
 * <p>The request side and the answer side end independently (the backend may answer before it has
 * the whole body); {@code onEnd} is told once both have.
 */
final class Exchange implements Runnable {
    private static final Logger LOG = Logger.getLogger(Exchange.class.getName());
    // Ample for real clients; a message beyond it is answered 400 rather than held in memory.
    private static final int MAX_HEADER_COUNT = 1000;
    private static final int SIDES = 2;

    private final String requestId;
    private final RequestSource source;
    private final ExchangeServices services;
    private final Consumer<Exchange> onEnd;
    // Made when the request's method is known, before the backend call starts.
    private volatile BackendResponseConsumer backendResponse;
    private final AtomicInteger sidesRunning = new AtomicInteger(SIDES);
    // The response head and a failure before it race; the first decides how the request is answered.
    private final AtomicBoolean answerDecided = new AtomicBoolean();
    // Cancelling it closes the backend connection at once; cancelled early, it cancels the exchange as it starts.
    private final ComplexCancellable backendCall = new ComplexCancellable();
    // Cancelling the future also ends a call still waiting for a pooled connection or connecting.
    private volatile Future<Void> backendFuture;
    // Cancelling it cuts the post carrying the backend's answer, closing its connection at once, so
    // that a forced stop or a broken backend body can never let the post end cleanly.
    private final ComplexCancellable responsePost = new ComplexCancellable();
    private volatile boolean aborted;
    private volatile long backendSentAt;
    private volatile RequestHead clientRequest;
    private volatile boolean uploading;
    private volatile boolean requestBodyBroke;
    // Set when the request is a WebSocket handshake the proxy tunnels, before the tunnel starts.
    private volatile WebSocketTunnel tunnel;

    Exchange(PendingRequest request, ExchangeServices services, Consumer<Exchange> onEnd) {
        this.requestId = request.id();
        this.source = RequestSource.of(request, services.proxy());
        this.services = services;
        this.onEnd = onEnd;
    }

    /** The request side, on a thread of its own: take the request, start the backend call, upload the body. */
    @Override
    public void run() {
        try {
            readAndSend();
        } finally {
            sideEnded();
        }
    }

    private void readAndSend() {
        InputStream carrier = openRequest();
        if (carrier == null) {
            noAnswer();
            return;
        }
        MessageReader.IncomingRequest message;
        boolean tunnelled = source.tunnelled();
        try {
            message = newReader().readRequest(carrier, tunnelled);
            source.check(message);
            if (tunnelled) {
                checkHandshake(message.head());
            }
        } catch (MalformedMessageException e) {
            source.abandoned();
            // On a thread of its own: an inline request is read on the poll's thread, which must not wait.
            answerOnAThread(() -> answerNow(GatewayFailure.malformedRequest(e), source.name(), e));
            return;
        } catch (IOException e) {
            source.abandoned();
            warn("reading the request message from the proxy failed: " + describe(e), e);
            noAnswer();
            return;
        }
        clientRequest = message.head();
        if (tunnelled) {
            tunnel(message);
            return;
        }
        // A request without Content-Length or chunking has no body (RFC 9112 section 6.3).
        RequestBodyProducer body = message.body().framing().kind() == BodyFraming.Kind.NONE
                ? null : new RequestBodyProducer(message.body());
        send(services.backendRequests().create(message.head(), source.userId()), body);
        if (body != null) {
            upload(body);
        } else {
            source.finished();
        }
    }

    private MessageReader newReader() {
        return new MessageReader(services.config().maxHeaderBytes(), MAX_HEADER_COUNT);
    }

    // Only a WebSocket handshake can be tunnelled: anything else sent as one is a broken message.
    private static void checkHandshake(RequestHead head) throws MalformedMessageException {
        if (!WebSocketUpgrade.isRequested(head.method(), head.headers())) {
            throw new MalformedMessageException("request message sent as a WebSocket upgrade is no WebSocket handshake");
        }
    }

    // The whole connection on this thread and one more; the exchange ends when both directions have.
    private void tunnel(MessageReader.IncomingRequest message) {
        WebSocketTunnel newTunnel = new WebSocketTunnel(requestId,
                services.backendRequests().upgradeRequest(message.head(), source.userId()), message.body(),
                newReader(), new TunnelEnds());
        tunnel = newTunnel;
        if (aborted) {
            newTunnel.abort();
        }
        newTunnel.run(services.backendSockets(), services.pinger(), services.proxy(), services.threads());
    }

    // Null when there is nothing to forward; why has been logged.
    private InputStream openRequest() {
        try {
            return source.open();
        } catch (ProxyStatusException e) {
            if (e.status() == 404) {
                LOG.fine(() -> "request " + requestId + " is gone (expired, or taken by another agent)");
            } else {
                warn("the proxy answered " + e.status() + " to reading it; dropped", e);
            }
        } catch (IOException e) {
            warn("reading it from the proxy failed: " + describe(e), e);
        }
        return null;
    }

    private void send(HttpRequest backendRequest, RequestBodyProducer body) {
        backendResponse = new BackendResponseConsumer(backendRequest.getMethod(), this::onResponseHead,
                services.config().backendTimeout());
        backendSentAt = System.nanoTime();
        try {
            backendFuture = services.backend().execute(new BasicRequestProducer(backendRequest, body),
                    backendResponse, CancellableExec.contextCancelledBy(backendCall), answerOnFailure());
        } catch (RuntimeException e) {
            // The client refuses new calls once it has been closed.
            onBackendFailure(e);
        }
    }

    /**
     * Cancels the backend call and cuts the response post, whatever they are doing: a response
     * broken off by a forced stop must reach the proxy as a broken upload, never as a short one.
     */
    void abort() {
        aborted = true;
        responsePost.cancel();
        cancelBackendCall();
        WebSocketTunnel current = tunnel;
        if (current != null) {
            current.abort();
        }
    }

    private void cancelBackendCall() {
        backendCall.cancel();
        Future<Void> future = backendFuture;
        if (future != null) {
            future.cancel(true);
        }
    }

    private FutureCallback<Void> answerOnFailure() {
        return new FutureCallback<Void>() {
            @Override
            public void completed(Void result) {
            }

            @Override
            public void failed(Exception failure) {
                onBackendFailure(failure);
            }

            @Override
            public void cancelled() {
                onBackendFailure(new IOException("backend request cancelled"));
            }
        };
    }

    private void upload(RequestBodyProducer body) {
        uploading = true;
        try {
            body.upload();
        } catch (BodyCopier.SourceFailedException e) {
            requestBodyBroke = true;
            cancelBackendCall();
            source.abandoned();
            warn(clientRequest.method() + ": the client's request body broke (" + describe(e)
                    + "); backend request aborted", e);
            return;
        } finally {
            uploading = false;
        }
        // The request message has been read to its end, so the proxy connection can be reused.
        source.finished();
    }

    // On HttpClient's I/O thread, which must not block: the post is started and runs on I/O threads.
    private void onResponseHead(int status, ResponseMessageProducer message) {
        services.listener().backendAnswered(Duration.ofNanos(System.nanoTime() - backendSentAt));
        if (answerDecided.compareAndSet(false, true)) {
            post(status, message);
        }
    }

    // On HttpClient's I/O thread, or on the request side if the call could not even start.
    private void onBackendFailure(Exception failure) {
        if (!answerDecided.compareAndSet(false, true)) {
            // The response had begun and its message now fails; the post is cut at once as well,
            // in case the proxy is not taking the message just now.
            if (backendResponse.bodyBroke()) {
                responsePost.cancel();
            }
            return;
        }
        if (requestBodyBroke) {
            // Already reported; the proxy saw its read break off and answers the client itself.
            noAnswer();
            return;
        }
        String method = clientRequest.method();
        GatewayFailure answer = GatewayFailure.of(failure, services.config().host(), services.config().backendTimeout());
        answerOnAThread(() -> answerNow(answer, method, failure));
    }

    private void answerOnAThread(Runnable answer) {
        try {
            services.threads().execute(answer);
        } catch (RejectedExecutionException e) {
            LOG.fine(() -> "request " + requestId + " not answered: the agent is stopping");
            cancelBackendCall();
            noAnswer();
        }
    }

    private void post(int status, ResponseMessageProducer message) {
        try {
            // A cancellation that came first (a forced stop) cuts the post as it starts.
            services.proxy().postResponse(requestId, message, responsePost, new FutureCallback<Void>() {
                @Override
                public void completed(Void result) {
                    posted(status);
                }

                @Override
                public void failed(Exception failure) {
                    postFailed(status, message, failure);
                }

                @Override
                public void cancelled() {
                    postFailed(status, message, new IOException("the response post was cut off"));
                }
            });
        } catch (RuntimeException e) {
            // The client refuses new calls once it has been closed: the agent is stopping.
            postFailed(status, message, new IOException("the agent is stopping", e));
        }
    }

    // On the post's I/O thread.
    private void posted(int status) {
        try {
            backendResponse.passedOn();
            if (uploading) {
                // The backend has had its say before taking the whole body: stop sending it the rest.
                cancelBackendCall();
            }
            LOG.fine(() -> "request " + requestId + ": " + clientRequest.method() + " " + clientRequest.target()
                    + " -> " + status);
            answered(ExchangeOutcome.ANSWERED, status);
        } finally {
            sideEnded();
        }
    }

    // On the post's I/O thread, or on the backend's if the post could not start.
    private void postFailed(int status, ResponseMessageProducer message, Exception e) {
        String method = clientRequest.method();
        IOException backendFailure = message.backendFailure();
        // Never drain: the client is gone, and the rest of the body may be endless.
        cancelBackendCall();
        if (backendFailure == null && !aborted && !(e instanceof ProxyStatusException)) {
            // The post broke without the proxy answering it (no connection, a connection that
            // broke): the proxy may never have seen the answer start, and its client would wait
            // for the request timeout. A 502 posted on another connection tells it now; had the
            // first post begun, the proxy ended that exchange and refuses this one with a 404.
            GatewayFailure answer = GatewayFailure.proxyPostFailed(describe(e));
            answerOnAThread(() -> answerNow(answer, method, e));
            return;
        }
        try {
            boolean proxyGone = e instanceof ProxyStatusException && ((ProxyStatusException) e).status() == 404;
            answered(proxyGone ? ExchangeOutcome.DROPPED : ExchangeOutcome.BROKEN, status);
            if (backendFailure != null) {
                warn(method + " -> " + status + ": the backend's response broke mid-body ("
                        + describe(backendFailure) + "); response to the proxy aborted", backendFailure);
            } else if (proxyGone) {
                LOG.info(() -> "request " + requestId + ": the proxy no longer waits for the response"
                        + " (client gone or request expired)");
            } else {
                warn(method + ": posting the response to the proxy failed (" + describe(e)
                        + "); backend response aborted", e);
            }
        } finally {
            sideEnded();
        }
    }

    // Posts a failure answer on the calling thread, which then ends the answer side.
    private void answerNow(GatewayFailure failure, String what, Exception cause) {
        try {
            warn(what + " -> " + failure.status() + ": " + failure.reason(), cause);
            ProxyClient proxy = services.proxy();
            proxy.post(proxy.newResponsePost(requestId, failure.toMessageEntity()));
            answered(ExchangeOutcome.AGENT_ANSWERED, failure.status());
        } catch (IOException e) {
            answered(ExchangeOutcome.DROPPED, 0);
            warn("posting the " + failure.status() + " answer to the proxy failed: " + describe(e), e);
        } finally {
            sideEnded();
        }
    }

    private void noAnswer() {
        answered(ExchangeOutcome.DROPPED, 0);
        sideEnded();
    }

    private void answered(ExchangeOutcome outcome, int status) {
        services.listener().exchangeEnded(outcome, status);
    }

    private void sideEnded() {
        if (sidesRunning.decrementAndGet() == 0) {
            onEnd.accept(this);
        }
    }

    /** How a tunnel's ends become the exchange's: the request read released, the answer side counted and logged. */
    private final class TunnelEnds implements TunnelListener {
        @Override
        public void clientFinished() {
            source.finished();
        }

        @Override
        public void clientAbandoned() {
            source.abandoned();
        }

        // On the request side's thread, which then posts the answer itself.
        @Override
        public void backendFailed(IOException failure) {
            GatewayFailure answer = GatewayFailure.of(failure, services.config().host(), services.config().backendTimeout());
            answerNow(answer, clientRequest.method() + " (WebSocket)", failure);
        }

        @Override
        public void posted(int status) {
            try {
                answered(ExchangeOutcome.ANSWERED, status);
            } finally {
                sideEnded();
            }
        }

        @Override
        public void postFailed(int status, Exception failure, boolean headSent) {
            if (failure != null && !headSent && !aborted && !(failure instanceof ProxyStatusException)) {
                // As for any answer: the proxy may never have seen the post start, and says so with a 404 if it did.
                answerNow(GatewayFailure.proxyPostFailed(describe(failure)), clientRequest.method(), failure);
                return;
            }
            try {
                boolean proxyGone = failure instanceof ProxyStatusException
                        && (((ProxyStatusException) failure).status() == 404 || ((ProxyStatusException) failure).status() == 410);
                answered(proxyGone ? ExchangeOutcome.DROPPED : ExchangeOutcome.BROKEN, status);
                if (proxyGone) {
                    LOG.info(() -> "request " + requestId + ": the proxy no longer waits for the WebSocket"
                            + " (client gone or request expired)");
                } else if (failure != null) {
                    warn("posting the WebSocket's " + status + " to the proxy failed (" + describe(failure)
                            + "); backend connection closed", failure);
                }
            } finally {
                sideEnded();
            }
        }
    }

    /** Answers a request the agent has no room for, without reading it. */
    static void reject(String requestId, GatewayFailure failure, ExchangeServices services) {
        LOG.warning(() -> "request " + requestId + " -> " + failure.status() + ": " + failure.reason());
        ProxyClient proxy = services.proxy();
        try {
            proxy.post(proxy.newResponsePost(requestId, failure.toMessageEntity()));
            services.listener().exchangeEnded(ExchangeOutcome.AGENT_ANSWERED, failure.status());
        } catch (IOException e) {
            services.listener().exchangeEnded(ExchangeOutcome.DROPPED, 0);
            LOG.warning(() -> "request " + requestId + ": posting the " + failure.status()
                    + " answer to the proxy failed: " + e.getMessage());
        }
    }

    // The first message along the causes, else the name of the innermost one.
    private static String describe(Throwable failure) {
        Throwable current = failure;
        while (current.getMessage() == null && current.getCause() != null) {
            current = current.getCause();
        }
        return current.getMessage() != null ? current.getMessage() : current.getClass().getSimpleName();
    }

    // One line per failure; the stack trace only with -debug.
    private void warn(String message, Throwable cause) {
        LOG.warning(() -> "request " + requestId + ": " + message);
        LOG.log(Level.FINE, "request " + requestId + " failure details", cause);
    }
}
