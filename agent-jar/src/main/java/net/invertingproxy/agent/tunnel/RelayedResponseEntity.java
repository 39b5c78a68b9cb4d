package net.invertingproxy.agent.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MessageBody;
import net.invertingproxy.protocol.MessageWriter;
import net.invertingproxy.protocol.ResponseHead;

import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * The body of a {@code POST agent/response} read from the backend's socket as it arrives: the
 * backend's response head, then its body, flushed after every read so that interactive traffic
 * never waits for a buffer to fill. Of unknown length, it is posted chunked; it can be written once.
 *
 * <p>A failed read of the backend cuts the post before the failure is thrown: HttpClient closes
 * the chunked stream of a body whose writing failed, which would otherwise send the last chunk and
 * pass a broken stream off to the proxy as a complete one.
 */
final class RelayedResponseEntity extends AbstractHttpEntity {
    // Interactive traffic comes in small pieces, each flushed: larger buffers gain nothing.
    private static final int BUFFER_SIZE = 8 * 1024;

    private final ResponseHead head;
    private final BodyFraming framing;
    private final MessageBody backend;
    private final Cancellable post;
    private volatile boolean headSent;
    private volatile IOException backendFailure;

    /**
     * Posts {@code head} with the body {@code backend}, framed for the proxy as {@code framing};
     * {@code post} is the post carrying this entity, cut when the backend's side breaks.
     */
    RelayedResponseEntity(ResponseHead head, BodyFraming framing, MessageBody backend, Cancellable post) {
        // The post names its content type itself.
        super((ContentType) null, null, true);
        this.head = head;
        this.framing = framing;
        this.backend = backend;
        this.post = post;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        OutputStream message = MessageWriter.writeResponse(head, framing,
                framing.kind() == BodyFraming.Kind.CHUNKED ? backend::trailers : null, out, BUFFER_SIZE);
        message.flush();
        headSent = true;
        byte[] buffer = new byte[BUFFER_SIZE];
        while (true) {
            int read;
            try {
                read = backend.read(buffer);
            } catch (IOException e) {
                backendFailure = e;
                post.cancel();
                throw e;
            }
            if (read == -1) {
                break;
            }
            message.write(buffer, 0, read);
            message.flush();
        }
        // Ends the carried body (the last chunk of a chunked one); the post itself ends after this.
        message.close();
    }

    /** Whether the response head was handed to the post's connection. */
    boolean headSent() {
        return headSent;
    }

    /** Why reading the backend failed, or null if it did not. */
    IOException backendFailure() {
        return backendFailure;
    }

    @Override
    public InputStream getContent() {
        throw new UnsupportedOperationException("a relayed response is written once, never read");
    }

    @Override
    public long getContentLength() {
        return -1;
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
    public void close() {
        // The backend socket belongs to the tunnel, which closes it.
    }
}
