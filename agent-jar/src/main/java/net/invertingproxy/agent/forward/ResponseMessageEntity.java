package net.invertingproxy.agent.forward;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.function.Supplier;

import net.invertingproxy.protocol.BodyCopier;
import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.HopByHopHeaders;
import net.invertingproxy.protocol.MessageWriter;
import net.invertingproxy.protocol.ResponseHead;

import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.impl.EnglishReasonPhraseCatalog;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * The body of {@code POST agent/response}: the backend's response as an HTTP/1.1 message, written
 * as it arrives. A body of known length keeps its length; any other body is chunked and carries the
 * backend's trailers. If the backend breaks mid-body the post is aborted, so the proxy sees a broken
 * upload rather than a message that merely looks short.
 */
final class ResponseMessageEntity extends AbstractHttpEntity {
    private final ClassicHttpResponse backendResponse;
    private final String requestMethod;
    private volatile Cancellable post;
    private volatile boolean backendFailed;

    ResponseMessageEntity(ClassicHttpResponse backendResponse, String requestMethod) {
        // Chunked on the outside: the message's length is not known before the backend is done.
        super((String) null, null, true);
        this.backendResponse = backendResponse;
        this.requestMethod = requestMethod;
    }

    /** The post carrying this message, aborted if the backend fails mid-body. */
    void carriedBy(Cancellable post) {
        this.post = post;
    }

    /** Whether reading the backend's body failed (rather than writing to the proxy). */
    boolean backendFailed() {
        return backendFailed;
    }

    @Override
    public void writeTo(OutputStream proxy) throws IOException {
        HttpEntity backendBody = backendResponse.getEntity();
        BodyFraming framing = framing(backendBody);
        OutputStream message = MessageWriter.writeResponse(head(), framing, trailers(backendBody, framing), proxy);
        // The head goes out now, not with the first body bytes, which may be long in coming (server-sent events).
        message.flush();
        if (framing.hasBody()) {
            copyBody(backendBody, message);
        }
        // Only a complete body is ended: closing writes the last chunk and the trailers.
        message.close();
    }

    private void copyBody(HttpEntity backendBody, OutputStream message) throws IOException {
        try {
            BodyCopier.copy(backendBody.getContent(), message);
        } catch (BodyCopier.SinkFailedException e) {
            throw e;
        } catch (IOException e) {
            backendFailed = true;
            Cancellable carrier = post;
            if (carrier != null) {
                carrier.cancel();
            }
            throw e;
        }
    }

    private ResponseHead head() {
        int status = backendResponse.getCode();
        String reason = backendResponse.getReasonPhrase();
        if (reason == null) {
            reason = EnglishReasonPhraseCatalog.INSTANCE.getReason(status, null);
        }
        return new ResponseHead(status, reason, HopByHopHeaders.remove(List.of(backendResponse.getHeaders())));
    }

    // HEAD answers and 1xx, 204 and 304 have no body whatever their headers say (RFC 9112 section 6.3);
    // their headers, Content-Length included, are passed on as the backend sent them.
    private BodyFraming framing(HttpEntity backendBody) {
        int status = backendResponse.getCode();
        if (backendBody == null || "HEAD".equalsIgnoreCase(requestMethod)
                || status < 200 || status == 204 || status == 304) {
            return BodyFraming.none();
        }
        long length = backendBody.getContentLength();
        return length >= 0 && !backendBody.isChunked() ? BodyFraming.ofLength(length) : BodyFraming.chunked();
    }

    private static Supplier<List<Header>> trailers(HttpEntity backendBody, BodyFraming framing) {
        if (framing.kind() != BodyFraming.Kind.CHUNKED) {
            return null;
        }
        // Asked for before reading: the supplier reads the trailers once the body has ended.
        org.apache.hc.core5.function.Supplier<List<? extends Header>> backendTrailers = backendBody.getTrailers();
        if (backendTrailers == null) {
            return null;
        }
        return () -> {
            List<? extends Header> trailers = backendTrailers.get();
            return trailers == null ? List.of() : List.copyOf(trailers);
        };
    }

    @Override
    public long getContentLength() {
        return -1;
    }

    @Override
    public InputStream getContent() {
        throw new UnsupportedOperationException("a response message is only ever written");
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    @Override
    public void close() {
        // The backend response belongs to the exchange, which closes or aborts it.
    }
}
