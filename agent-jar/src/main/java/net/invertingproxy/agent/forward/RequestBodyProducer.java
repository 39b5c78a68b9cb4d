package net.invertingproxy.agent.forward;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import net.invertingproxy.protocol.BodyCopier;
import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MessageBody;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.support.classic.SharedOutputBuffer;

/**
 * The client's request body, sent to the backend with the client's framing: its length, or chunked
 * with the client's trailers. The exchange's thread copies it from the proxy's answer into a
 * bounded buffer ({@link #upload()}), blocking while the backend takes it more slowly than the
 * client sends it; HttpClient's I/O thread sends what the buffer holds. A body that breaks is never
 * ended: the caller cancels the backend request, which closes its connection mid-body.
 */
final class RequestBodyProducer implements AsyncEntityProducer {
    // Holds only small writes (HttpCore's shared buffer hands larger ones to the channel directly),
    // and is held while the request waits for its answer, so it stays small.
    private static final int BUFFER_SIZE = 8 * 1024;

    private final MessageBody body;
    private final SharedOutputBuffer buffer = new SharedOutputBuffer(BUFFER_SIZE);
    private volatile DataStreamChannel channel;

    RequestBodyProducer(MessageBody body) {
        this.body = body;
    }

    /**
     * Copies the whole body into the backend request. If the backend exchange ends first (the
     * backend answered without taking it all, or failed), the rest is read and dropped, so the
     * proxy sees its request read to the end and still takes the answer.
     *
     * @throws BodyCopier.SourceFailedException if reading the body from the proxy failed
     */
    void upload() throws BodyCopier.SourceFailedException {
        try {
            BodyCopier.copy(body, new BufferStream());
            buffer.writeCompleted();
        } catch (BodyCopier.SourceFailedException e) {
            throw e;
        } catch (IOException e) {
            discardRest();
        }
    }

    private void discardRest() throws BodyCopier.SourceFailedException {
        try {
            BodyCopier.copy(body, OutputStream.nullOutputStream());
        } catch (BodyCopier.SinkFailedException e) {
            // Writing to nowhere cannot fail.
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
        this.channel = channel;
        buffer.flush(new EndingWithTrailers(channel));
    }

    @Override
    public int available() {
        return buffer.length();
    }

    @Override
    public long getContentLength() {
        return body.framing().kind() == BodyFraming.Kind.CONTENT_LENGTH ? body.framing().length() : -1;
    }

    @Override
    public boolean isChunked() {
        return body.framing().kind() == BodyFraming.Kind.CHUNKED;
    }

    // The client's Content-Type and Content-Encoding are among the forwarded headers already.
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
        buffer.abort();
    }

    // Called once the backend exchange has ended, however early: a blocked upload must not wait on.
    @Override
    public void releaseResources() {
        buffer.abort();
    }

    /** Writes into the shared buffer; flushing asks the I/O thread to send what small writes left there. */
    private final class BufferStream extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            buffer.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            buffer.write(bytes, offset, length);
        }

        // The copier flushes when the client pauses; small writes would otherwise wait in the buffer.
        // Larger ones went to the channel directly, which sends them unasked.
        @Override
        public void flush() {
            DataStreamChannel current = channel;
            if (current != null && buffer.length() > 0) {
                current.requestOutput();
            }
        }
    }

    /** The I/O channel, whose end of stream carries the client's trailers after a chunked body. */
    private final class EndingWithTrailers implements DataStreamChannel {
        private final DataStreamChannel channel;

        EndingWithTrailers(DataStreamChannel channel) {
            this.channel = channel;
        }

        @Override
        public void requestOutput() {
            channel.requestOutput();
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            return channel.write(source);
        }

        @Override
        public void endStream() throws IOException {
            endStream(null);
        }

        // Ended only after the body was read to its end, so the trailers are known.
        @Override
        public void endStream(List<? extends Header> ignored) throws IOException {
            List<Header> trailers = isChunked() ? body.trailers() : List.of();
            channel.endStream(trailers.isEmpty() ? null : trailers);
        }
    }
}
