package net.invertingproxy.agent.forward;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MessageWriter;
import net.invertingproxy.protocol.ResponseHead;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.nio.DataStreamChannel;

/**
 * The body of {@code POST agent/response}: the backend's response as an HTTP/1.1 message, framed
 * as the backend's bytes arrive and taken by the post as fast as the proxy reads it. Both ends run
 * on I/O threads (the backend client's and the post's), and no thread waits in between. A buffer of
 * about {@value #WINDOW} bytes joins them: once it is full the backend is not read (HttpCore's
 * capacity window) until the proxy has taken half, so a slow client slows the backend instead of
 * filling memory. A body of known length keeps its length; any other body is chunked and ends with
 * the backend's trailers. A body that breaks fails the post instead of ending it, so the proxy sees
 * a broken upload, never a message that merely looks short.
 */
final class ResponseMessageProducer implements AsyncEntityProducer {
    // Large enough that a fast backend and proxy rarely wait for each other, small enough for thousands of exchanges.
    private static final int WINDOW = 128 * 1024;
    private static final int REFILL_BELOW = WINDOW / 2;
    // Room for a typical head and a small body; the buffer grows as a large body needs.
    private static final int INITIAL_BUFFER = 2 * 1024;
    private static final int GROWTH_MARGIN = 16 * 1024;
    // Every piece is flushed at once (server-sent events), so the writer's own buffers stay small.
    private static final int WRITER_BUFFER = 1024;
    // The most copied at a time out of a piece without an array (a direct buffer).
    private static final int COPY_BUFFER = 8 * 1024;
    private static final ByteBuffer NO_BUFFER = ByteBuffer.allocate(0);

    private final ReentrantLock lock = new ReentrantLock();
    // Framed bytes the post has not taken yet, in write mode; guarded by lock, as is all below.
    private ByteBuffer pending = ByteBuffer.allocate(INITIAL_BUFFER);
    private final OutputStream framedBody;
    private boolean bodyEnded;
    private boolean endSent;
    private IOException failure;
    private DataStreamChannel post;
    private CapacityChannel backend;
    private boolean backendHeldBack;
    private byte[] copyBuffer;

    /**
     * A message with {@code head}, whose body is framed as {@code framing}; {@code trailers} is
     * asked for once a chunked body has ended.
     */
    ResponseMessageProducer(ResponseHead head, BodyFraming framing, Supplier<List<Header>> trailers) throws IOException {
        framedBody = MessageWriter.writeResponse(head, framing, trailers, new PendingBytes(), WRITER_BUFFER);
        // The head is taken at once, not with the first body bytes, which may be long in coming.
        framedBody.flush();
    }

    /** Frames a piece of the backend's body; on the backend client's I/O thread. */
    void bodyData(ByteBuffer data) throws IOException {
        DataStreamChannel wake;
        lock.lock();
        try {
            if (failure != null || bodyEnded) {
                data.position(data.limit());
                return;
            }
            boolean wasEmpty = pending.position() == 0;
            writeFramed(data);
            framedBody.flush();
            // Bytes already pending mean the post has output under way and comes back for more by
            // itself: waking it (a selector wake-up on another thread) once per piece cost more CPU
            // than moving the bytes.
            wake = wasEmpty ? post : null;
        } finally {
            lock.unlock();
        }
        if (wake != null) {
            wake.requestOutput();
        }
    }

    private void writeFramed(ByteBuffer data) throws IOException {
        if (data.hasArray()) {
            framedBody.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
            data.position(data.limit());
            return;
        }
        // Grown to the largest piece so far (up to COPY_BUFFER): sized by the first piece alone, an
        // empty one would leave a buffer that copies nothing, and every later piece would loop forever.
        int wanted = Math.min(data.remaining(), COPY_BUFFER);
        if (copyBuffer == null || copyBuffer.length < wanted) {
            copyBuffer = new byte[wanted];
        }
        while (data.hasRemaining()) {
            int piece = Math.min(copyBuffer.length, data.remaining());
            data.get(copyBuffer, 0, piece);
            framedBody.write(copyBuffer, 0, piece);
        }
    }

    /** The backend's body ended well (or there was none): the message ends once the post has taken it. */
    void bodyEnded() throws IOException {
        DataStreamChannel wake;
        lock.lock();
        try {
            if (failure != null || bodyEnded) {
                return;
            }
            // Writes the last chunk and the trailers of a chunked body.
            framedBody.close();
            bodyEnded = true;
            wake = post;
        } finally {
            lock.unlock();
        }
        if (wake != null) {
            wake.requestOutput();
        }
    }

    /**
     * The backend's body broke off: the post fails with {@code cause} instead of ending. A body
     * that had arrived whole is still taken to its end.
     */
    void backendFailed(IOException cause) {
        DataStreamChannel wake;
        lock.lock();
        try {
            if (bodyEnded || failure != null) {
                return;
            }
            failure = cause;
            pending = NO_BUFFER;
            wake = post;
        } finally {
            lock.unlock();
        }
        if (wake != null) {
            wake.requestOutput();
        }
    }

    /** Why the backend's body broke off, or null. */
    IOException backendFailure() {
        lock.lock();
        try {
            return failure;
        } finally {
            lock.unlock();
        }
    }

    /** HttpCore asks, the backend's window being used up, how much more the backend may send. */
    void updateCapacity(CapacityChannel channel) throws IOException {
        int grant = 0;
        lock.lock();
        try {
            backend = channel;
            if (pending.position() < REFILL_BELOW) {
                grant = WINDOW - pending.position();
            } else {
                backendHeldBack = true;
            }
        } finally {
            lock.unlock();
        }
        if (grant > 0) {
            channel.update(grant);
        }
    }

    @Override
    public int available() {
        lock.lock();
        try {
            if (pending.position() > 0) {
                return pending.position();
            }
            // Asked for once more to end the message, or to fail it.
            return (bodyEnded && !endSent) || failure != null ? 1 : 0;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
        CapacityChannel refill = null;
        int grant = 0;
        boolean end = false;
        lock.lock();
        try {
            post = channel;
            if (failure != null) {
                throw failure;
            }
            if (pending.position() > 0) {
                pending.flip();
                try {
                    channel.write(pending);
                } finally {
                    pending.compact();
                }
            }
            if (bodyEnded && !endSent && pending.position() == 0) {
                endSent = true;
                end = true;
                pending = NO_BUFFER;
            }
            if (backendHeldBack && pending.position() < REFILL_BELOW) {
                backendHeldBack = false;
                refill = backend;
                grant = WINDOW - pending.position();
            }
        } finally {
            lock.unlock();
        }
        // Outside the lock, so that the producer's lock is never held while the backend
        // connection's is taken (the backend side calls in here holding its own).
        if (refill != null) {
            refill.update(grant);
        }
        if (end) {
            channel.endStream();
        }
    }

    // Chunked on the outside: the message's length is not known before the backend is done.
    @Override
    public long getContentLength() {
        return -1;
    }

    @Override
    public boolean isChunked() {
        return true;
    }

    // The post's Content-Type is set on the request itself.
    @Override
    public String getContentType() {
        return null;
    }

    @Override
    public String getContentEncoding() {
        return null;
    }

    @Override
    public Set<String> getTrailerNames() {
        return null;
    }

    @Override
    public boolean isRepeatable() {
        return false;
    }

    @Override
    public void failed(Exception cause) {
        releaseResources();
    }

    @Override
    public void releaseResources() {
        lock.lock();
        try {
            if (pending.position() == 0 || failure != null || endSent) {
                pending = NO_BUFFER;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Appends the framed bytes to the pending buffer, growing it as needed; called under the lock. */
    private final class PendingBytes extends OutputStream {
        @Override
        public void write(int b) {
            ensureRoom(1);
            pending.put((byte) b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            ensureRoom(length);
            pending.put(bytes, offset, length);
        }

        // The window bounds how far it grows: the backend is not read while the buffer is full, and
        // one read beyond the window (HttpCore's buffer) plus chunk framing fits the margin.
        private void ensureRoom(int length) {
            if (pending.remaining() >= length) {
                return;
            }
            int needed = pending.position() + length;
            int size = Math.max(needed, Math.min(pending.capacity() * 2, WINDOW + GROWTH_MARGIN));
            ByteBuffer larger = ByteBuffer.allocate(size);
            larger.put(pending.array(), pending.arrayOffset(), pending.position());
            pending = larger;
        }
    }
}
