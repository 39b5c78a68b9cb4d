package net.invertingproxy.agent.forward;

import java.io.InputStream;
import java.util.List;

import org.apache.hc.core5.function.Supplier;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * The backend's response body as a classic entity: its length and chunking as the backend framed
 * it, its content read as it arrives and its trailers once it has ended.
 */
final class BackendBodyEntity extends AbstractHttpEntity {
    private final long length;
    private final InputStream content;
    private final Supplier<List<? extends Header>> trailers;

    BackendBodyEntity(EntityDetails details, InputStream content, Supplier<List<? extends Header>> trailers) {
        super((String) null, null, details.isChunked());
        this.length = details.getContentLength();
        this.content = content;
        this.trailers = trailers;
    }

    @Override
    public long getContentLength() {
        return length;
    }

    @Override
    public InputStream getContent() {
        return content;
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    @Override
    public Supplier<List<? extends Header>> getTrailers() {
        return trailers;
    }

    @Override
    public void close() {
        // Closing must not drain: the exchange decides whether the backend call ends or is cancelled.
    }
}
