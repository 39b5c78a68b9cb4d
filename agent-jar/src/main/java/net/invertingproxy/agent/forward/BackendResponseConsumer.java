package net.invertingproxy.agent.forward;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;

import net.invertingproxy.agent.config.GoDuration;
import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.HopByHopHeaders;
import net.invertingproxy.protocol.ResponseHead;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.impl.EnglishReasonPhraseCatalog;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Takes the backend's response on HttpClient's I/O thread and turns it, as it arrives, into the
 * message the agent posts to the proxy ({@link ResponseMessageProducer}): the head is framed at
 * once and handed to {@code onHead} with the status, and each piece of the body is framed as it
 * comes. The backend is read only as fast as the post takes the message. If the backend fails
 * mid-body the message fails too, it never just ends.
 */
final class BackendResponseConsumer implements AsyncResponseConsumer<Void> {
    private final String requestMethod;
    private final BiConsumer<Integer, ResponseMessageProducer> onHead;
    private final Duration backendTimeout;
    private volatile ResponseMessageProducer message;
    private volatile List<Header> trailers = List.of();
    private volatile FutureCallback<Void> exchangeDone;

    /**
     * A consumer of the answer to a {@code requestMethod} request that calls {@code onHead}, on the
     * I/O thread, when the response head has arrived; {@code backendTimeout} is the longest pause in
     * the body before HttpClient gives up on it.
     */
    BackendResponseConsumer(String requestMethod, BiConsumer<Integer, ResponseMessageProducer> onHead,
                            Duration backendTimeout) {
        this.requestMethod = requestMethod;
        this.onHead = onHead;
        this.backendTimeout = backendTimeout;
    }

    /** Completes the backend call once the response has been passed on whole. */
    void passedOn() {
        FutureCallback<Void> done = exchangeDone;
        if (done != null) {
            done.completed(null);
        }
    }

    /** Whether the backend's body broke off after its head had been passed on. */
    boolean bodyBroke() {
        ResponseMessageProducer framed = message;
        return framed != null && framed.backendFailure() != null;
    }

    @Override
    public void consumeResponse(HttpResponse head, EntityDetails body, HttpContext context,
                                FutureCallback<Void> resultCallback) throws IOException {
        exchangeDone = resultCallback;
        int status = head.getCode();
        BodyFraming framing = framing(status, body);
        ResponseMessageProducer framed = new ResponseMessageProducer(responseHead(head), framing,
                framing.kind() == BodyFraming.Kind.CHUNKED ? () -> trailers : null);
        message = framed;
        // HttpClient gives no body details for HEAD answers, 204 and 304: no data will follow.
        if (body == null || !framing.hasBody()) {
            framed.bodyEnded();
        }
        onHead.accept(status, framed);
    }

    private static ResponseHead responseHead(HttpResponse head) {
        int status = head.getCode();
        String reason = head.getReasonPhrase();
        if (reason == null) {
            reason = EnglishReasonPhraseCatalog.INSTANCE.getReason(status, null);
        }
        return new ResponseHead(status, reason, HopByHopHeaders.remove(List.of(head.getHeaders())));
    }

    // HEAD answers and 1xx, 204 and 304 have no body whatever their headers say (RFC 9112 section 6.3);
    // their headers, Content-Length included, are passed on as the backend sent them.
    private BodyFraming framing(int status, EntityDetails body) {
        if (body == null || "HEAD".equalsIgnoreCase(requestMethod) || status < 200 || status == 204 || status == 304) {
            return BodyFraming.none();
        }
        long length = body.getContentLength();
        return length >= 0 && !body.isChunked() ? BodyFraming.ofLength(length) : BodyFraming.chunked();
    }

    // 1xx answers are not passed on: the proxy answered the client's Expect itself.
    @Override
    public void informationResponse(HttpResponse response, HttpContext context) {
    }

    // The data callbacks come only after a head with a body, so the message exists.
    @Override
    public void updateCapacity(CapacityChannel capacityChannel) throws IOException {
        message.updateCapacity(capacityChannel);
    }

    @Override
    public void consume(ByteBuffer data) throws IOException {
        message.bodyData(data);
    }

    @Override
    public void streamEnd(List<? extends Header> backendTrailers) throws IOException {
        if (backendTrailers != null) {
            trailers = List.copyOf(backendTrailers);
        }
        message.bodyEnded();
    }

    @Override
    public void failed(Exception cause) {
        ResponseMessageProducer framed = message;
        // Before the head there is no message to break; one that ended well is left to be taken whole.
        if (framed != null) {
            framed.backendFailed(bodyFailure(cause));
        }
    }

    // Nothing to release: the message may still hold the end of a body that arrived whole.
    @Override
    public void releaseResources() {
    }

    // Says why the body broke, in the words the agent logs.
    private IOException bodyFailure(Exception cause) {
        String why;
        if (cause instanceof SocketTimeoutException) {
            why = "the backend sent nothing for " + GoDuration.format(backendTimeout);
        } else if (cause instanceof InterruptedIOException && cause.getMessage() == null) {
            // HttpClient's word for a call cancelled by the agent itself.
            why = "the backend call was cancelled";
        } else {
            why = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        }
        return new IOException(why, cause);
    }
}
