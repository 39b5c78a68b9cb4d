package net.invertingproxy.proxy.inspect;

import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.protocol.ResponseHead;
import net.invertingproxy.proxy.observe.ExchangeSummary;

/**
 * What the inspector collects of one exchange while it runs: the request head at once, the body
 * prefixes as the bodies pass, the answer's head when it starts; handed to the inspector when the
 * exchange ends. {@link #NONE} collects nothing, for backends not inspected.
 */
public final class ExchangeCapture {
    /** Collects nothing: every body passes untouched. */
    public static final ExchangeCapture NONE = new ExchangeCapture();

    private final ExchangeInspector inspector;
    private final String backendId;
    private final long replayOf;
    private final Instant startedAt;
    private final String method;
    private final String target;
    private final boolean targetRedacted;
    // A request announcing no body is complete from the start; one with a body once it all passed.
    private volatile boolean requestBodyComplete;
    private final List<InspectedHeader> requestHeaders;
    private final HeaderRedaction redaction;
    private final BodyPrefix requestBody;
    private final BodyPrefix responseBody;
    private final long reservedBytes;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile List<InspectedHeader> responseHeaders = List.of();

    private ExchangeCapture() {
        this(null, "-", 0, Instant.EPOCH, new RequestHead("GET", "/", List.of()), false, new HeaderRedaction(List.of()),
                0, 0);
    }

    ExchangeCapture(ExchangeInspector inspector, String backendId, long replayOf, Instant startedAt,
                    RequestHead request, boolean bodyExpected, HeaderRedaction redaction, int bodyBytes,
                    long reservedBytes) {
        this.inspector = inspector;
        this.backendId = backendId;
        this.replayOf = replayOf;
        this.startedAt = startedAt;
        this.method = request.method();
        this.target = TargetRedaction.apply(request.target());
        this.targetRedacted = !target.equals(request.target());
        this.requestBodyComplete = !bodyExpected;
        this.redaction = redaction;
        this.requestHeaders = redaction.apply(request.headers());
        this.requestBody = new BodyPrefix(bodyBytes);
        this.responseBody = new BodyPrefix(bodyBytes);
        this.reservedBytes = reservedBytes;
    }

    /** {@code body} as is, or noting what passes in the request body's prefix. */
    public OutputStream requestBody(OutputStream body) {
        return inspector == null ? body : new PrefixCopyingOutputStream(body, requestBody);
    }

    /** Notes that the request body passed to its end. */
    public void requestBodyEnded() {
        requestBodyComplete = true;
    }

    /** Notes the head of the answer the client is about to get. */
    public void responseStarted(ResponseHead head) {
        if (inspector != null) {
            responseHeaders = redaction.apply(head.headers());
        }
    }

    /** {@code body} as is, or noting what passes in the response body's prefix. */
    public OutputStream responseBody(OutputStream body) {
        return inspector == null ? body : new PrefixCopyingOutputStream(body, responseBody);
    }

    /** Hands the exchange to the inspector, once; {@code summary} says how it ended. */
    public void finish(ExchangeSummary summary) {
        if (inspector == null || !finished.compareAndSet(false, true)) {
            return;
        }
        boolean answered = summary.status() > 0 && !responseHeaders.isEmpty();
        inspector.keep(new InspectedExchange(inspector.nextSequence(), backendId, replayOf, startedAt,
                method, target, targetRedacted, requestHeaders, requestBody.bytes(), requestBody.total(),
                requestBodyComplete, summary.status(),
                answered ? responseHeaders : List.of(), responseBody.bytes(), responseBody.total(),
                summary.outcome().name(), summary.reason() == null ? "" : summary.reason(), millis(summary.waited()), millis(summary.total()),
                summary.agentAddress()), reservedBytes);
    }

    private static long millis(Duration duration) {
        return duration == null ? 0 : duration.toMillis();
    }
}
