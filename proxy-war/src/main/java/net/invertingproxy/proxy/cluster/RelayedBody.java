package net.invertingproxy.proxy.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

import net.invertingproxy.protocol.BodyCopier;

/**
 * A call's body streamed on to the home instance as it arrives, written on the caller's thread
 * and flushed whenever the caller has nothing more at hand: a tunnelled WebSocket's frames must
 * not wait in a buffer for more to come.
 */
final class RelayedBody extends AbstractHttpEntity {
    private final InputStream source;
    private final long length;

    RelayedBody(InputStream source, long length, String contentType) {
        super(contentType, null, length < 0);
        this.source = source;
        this.length = length;
    }

    @Override
    public long getContentLength() {
        return length;
    }

    @Override
    public InputStream getContent() {
        return source;
    }

    @Override
    public boolean isRepeatable() {
        return false;
    }

    @Override
    public boolean isStreaming() {
        return true;
    }

    @Override
    public void writeTo(OutputStream sink) throws IOException {
        if (length >= 0) {
            BodyCopier.copyExactly(source, sink, length);
        } else {
            BodyCopier.copy(source, sink);
        }
        sink.flush();
    }

    @Override
    public void close() {
        // The caller's stream belongs to its container.
    }
}
