package net.invertingproxy.agent.forward;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

import net.invertingproxy.protocol.BodyCopier;
import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MessageBody;

import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.function.Supplier;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * The client's request body, streamed from the proxy's answer into the backend request with the
 * client's framing: its length, or chunked with the client's trailers. If reading it fails the
 * backend request is aborted before HttpClient's clean-up could end the body, so the backend never
 * sees a truncated body that looks complete.
 */
final class RequestBodyEntity extends AbstractHttpEntity {
    private final MessageBody body;
    private final Cancellable backendRequest;
    private volatile boolean sourceFailed;

    RequestBodyEntity(MessageBody body, Cancellable backendRequest) {
        super((String) null, null, body.framing().kind() == BodyFraming.Kind.CHUNKED);
        this.body = body;
        this.backendRequest = backendRequest;
    }

    /** Whether reading the client's body from the proxy failed. */
    boolean sourceFailed() {
        return sourceFailed;
    }

    @Override
    public long getContentLength() {
        return body.framing().kind() == BodyFraming.Kind.CONTENT_LENGTH ? body.framing().length() : -1;
    }

    @Override
    public InputStream getContent() {
        return body;
    }

    @Override
    public void writeTo(OutputStream backend) throws IOException {
        try {
            BodyCopier.copy(body, backend);
        } catch (BodyCopier.SourceFailedException e) {
            sourceFailed = true;
            backendRequest.cancel();
            throw e;
        }
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    @Override
    public Supplier<List<? extends Header>> getTrailers() {
        return isChunked() ? body::trailers : null;
    }

    @Override
    public void close() {
        // The body belongs to the proxy's answer, which the exchange closes or aborts.
    }
}
