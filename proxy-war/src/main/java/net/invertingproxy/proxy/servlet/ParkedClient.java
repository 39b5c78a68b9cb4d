package net.invertingproxy.proxy.servlet;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.protocol.ResponseHead;
import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.proxy.broker.ClientSide;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.inspect.ExchangeCapture;
import net.invertingproxy.proxy.observe.ExchangeListener;
import net.invertingproxy.proxy.observe.ExchangeOutcome;
import net.invertingproxy.proxy.observe.ExchangeSummary;
import net.invertingproxy.proxy.tunnel.UpgradeTunnel;

/**
 * A client request waiting for an agent, suspended with {@link AsyncContext} so that no thread is
 * held (a WebSocket handshake excepted, see {@link HeldCycle}). It ends exactly once, by an
 * answer, an error status, an abort of the connection, or the end of the tunnel it switched to.
 */
final class ParkedClient implements ClientSide {
    /** Request attribute telling the async re-dispatch to break the client connection. */
    static final String ABORT_ATTRIBUTE = ParkedClient.class.getName() + ".abort";
    private static final System.Logger LOG = System.getLogger(ParkedClient.class.getName());

    private final ClientCycle cycle;
    // Null unless the request is a WebSocket handshake.
    private final UpgradeTunnel tunnel;
    private volatile boolean switched;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final List<ExchangeListener> listeners;
    private final RoutedRequest routed;
    private final String backendId;
    // Taken at once: the container may recycle the request object after it completes.
    private final String method;
    private final String path;
    private final long arrivedNanos = System.nanoTime();
    private volatile long deliveredNanos;
    private volatile long respondingNanos;
    private volatile long bytesIn;
    private volatile long bytesOut;
    private volatile String agentAddress = "-";
    private final ExchangeCapture capture;
    private final RequestHead head;

    /**
     * A client held by {@code cycle}, whose request goes to the backend with {@code head} (made once,
     * at the door); {@code tunnel} is the tunnel of a WebSocket handshake, else null; {@code
     * capture} collects the exchange for the inspector.
     */
    ParkedClient(ClientCycle cycle, RoutedRequest routed, RequestHead head, List<ExchangeListener> listeners,
                 UpgradeTunnel tunnel, ExchangeCapture capture) {
        this.cycle = cycle;
        this.head = head;
        this.capture = capture;
        this.tunnel = tunnel;
        this.routed = routed;
        this.backendId = routed.backendId();
        this.listeners = listeners;
        HttpServletRequest request = cycle.request();
        this.method = request.getMethod();
        this.path = request.getRequestURI();
    }

    /** The request's head as the backend gets it (a WebSocket handshake's, as a plain request). */
    RequestHead head() {
        return head;
    }

    /** What the inspector collects of this exchange ({@link ExchangeCapture#NONE} if nothing). */
    ExchangeCapture capture() {
        return capture;
    }

    /** The tunnel of a WebSocket handshake, or null for any other request. */
    UpgradeTunnel tunnel() {
        return tunnel;
    }

    /**
     * The backend switched protocols: the thread holding the handshake upgrades the client's
     * connection, and the exchange ends with the tunnel ({@link #tunnelEnded}).
     */
    void switchProtocols(ResponseHead head) {
        switched = true;
        ((HeldCycle) cycle).switchProtocols(head);
    }

    /** The tunnel the backend switched to has ended; see {@link UpgradeTunnel.Ending}. */
    void tunnelEnded(boolean clean, String reason, long clientToBackend, long backendToClient) {
        if (ended.compareAndSet(false, true)) {
            bytesIn = clientToBackend;
            bytesOut = backendToClient;
            releaseAdmission();
            summarize(clean ? ExchangeOutcome.ANSWERED : ExchangeOutcome.ABORTED, 101, reason);
        }
    }

    // A handshake that ends any other way than by switching leaves no agent leg waiting for it.
    private void endTunnel() {
        if (tunnel != null && !switched) {
            tunnel.refused();
        }
    }

    /** Notes that the client's request body was delivered to the agent at the given address. */
    void requestDelivered(long bytes, String agent) {
        bytesIn = bytes;
        agentAddress = agent;
        deliveredNanos = System.nanoTime();
    }

    /**
     * Notes that a poll answer carried the request inline: delivered now, though the agent
     * confirms it only with its next poll, which may come after its response.
     */
    void sentInline() {
        deliveredNanos = System.nanoTime();
    }

    /** Notes that the agent at the given address confirmed it took the request sent inline. */
    @Override
    public void inlineConfirmedElsewhere() {
        inlineConfirmed("another instance");
    }

    void inlineConfirmed(String agent) {
        agentAddress = agent;
    }

    /** Notes that an agent at the given address started the response. */
    void responseStarted(String agent) {
        respondingNanos = System.nanoTime();
        agentAddress = agent;
    }

    /** Notes how many response body bytes reached the client. */
    void responseDelivered(long bytes) {
        bytesOut = bytes;
    }

    /** Where the request goes, as whom, and what is withheld from the backend. */
    RoutedRequest routed() {
        return routed;
    }

    HttpServletRequest request() {
        return cycle.request();
    }

    HttpServletResponse response() {
        return cycle.response();
    }

    @Override
    public void fail(Failure failure, String reason) {
        fail(failure, reason, ExchangeOutcome.REFUSED);
    }

    private void fail(Failure failure, String reason, ExchangeOutcome outcome) {
        if (ended.compareAndSet(false, true)) {
            releaseAdmission();
            try {
                ErrorResponses.send(response(), failure.status(), reason);
            } catch (IllegalStateException e) {
                // The container already ended the request.
            }
            endTunnel();
            cycle.complete();
            summarize(outcome, failure.status(), reason);
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
            abort(reason, ExchangeOutcome.CLIENT_GONE);
        } else {
            fail(failure, reason, ExchangeOutcome.CLIENT_GONE);
        }
    }

    /** Ends the response normally: the body is complete. */
    void complete() {
        if (ended.compareAndSet(false, true)) {
            releaseAdmission();
            int status = statusSent();
            endTunnel();
            cycle.complete();
            summarize(ExchangeOutcome.ANSWERED, status, "");
        }
    }

    /** Breaks the client connection so that a response cut short can never look complete. */
    void abort(String reason) {
        abort(reason, ExchangeOutcome.ABORTED);
    }

    private void abort(String reason, ExchangeOutcome outcome) {
        if (ended.compareAndSet(false, true)) {
            releaseAdmission();
            summarize(outcome, statusSent(), reason);
            endTunnel();
            cycle.abort(reason);
        }
    }

    /** Whether the exchange has already ended on the client's side. */
    boolean hasEnded() {
        return ended.get();
    }

    private int statusSent() {
        try {
            return response().getStatus();
        } catch (IllegalStateException e) {
            return 0;
        }
    }

    /**
     * Gives the backend's in-flight place back. Done before the client sees the end of its answer
     * (see {@link LastBytesHook}): a client that sends its next request the moment one is answered
     * must find the place free under a limit of 1 in flight. Every end calls it too; a second
     * release is harmless.
     */
    void releaseAdmission() {
        routed.admission().release();
    }

    // Listeners are told after the client was answered, so a slow listener never delays a client.
    private void summarize(ExchangeOutcome outcome, int status, String reason) {
        long now = System.nanoTime();
        long responding = respondingNanos;
        long delivered = deliveredNanos;
        // An agent may answer before the request was delivered in full (a refusal, or a backend that
        // answers early), so the time spent at the backend is never below zero.
        Duration backendTime = delivered == 0 || responding == 0 ? null
                : Duration.ofNanos(Math.max(0, responding - delivered));
        ExchangeSummary summary = new ExchangeSummary(backendId, method, path, status, outcome, reason,
                bytesIn, bytesOut, Duration.ofNanos((responding == 0 ? now : responding) - arrivedNanos),
                Duration.ofNanos(now - arrivedNanos), backendTime, agentAddress);
        for (ExchangeListener listener : listeners) {
            try {
                listener.exchangeEnded(summary);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "exchange listener failed: " + e);
            }
        }
        try {
            capture.finish(summary);
        } catch (RuntimeException e) {
            // The inspector is for looking; a fault of its own must never end an exchange differently.
            LOG.log(System.Logger.Level.WARNING, "request inspector failed: " + e);
        }
    }
}
