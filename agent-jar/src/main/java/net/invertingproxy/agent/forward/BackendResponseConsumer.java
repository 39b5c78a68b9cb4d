package net.invertingproxy.agent.forward;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import net.invertingproxy.agent.config.GoDuration;
import net.invertingproxy.protocol.BodyCopier;

import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.nio.support.classic.SharedInputBuffer;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Takes the backend's response on HttpClient's I/O thread and hands its head at once to
 * {@code onHead} as a classic response, whose body is a blocking stream fed as the backend sends it.
 * The body passes through a buffer that HttpClient's flow control keeps within its window: the
 * backend is read only as fast as the stream is. If the backend fails mid-body the stream throws,
 * it never just ends.
 */
final class BackendResponseConsumer implements AsyncResponseConsumer<Void> {
    private final Consumer<ClassicHttpResponse> onHead;
    private final Duration backendTimeout;
    // Made when the head says a body follows: a request that only waits holds no buffer.
    private volatile SharedInputBuffer buffer;
    private volatile List<Header> trailers = List.of();
    private volatile Exception failure;
    private volatile FutureCallback<Void> exchangeDone;

    /**
     * A consumer that calls {@code onHead}, on the I/O thread, when the response head has arrived;
     * {@code backendTimeout} is the longest pause in the body before HttpClient gives up on it.
     */
    BackendResponseConsumer(Consumer<ClassicHttpResponse> onHead, Duration backendTimeout) {
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

    @Override
    public void consumeResponse(HttpResponse head, EntityDetails body, HttpContext context,
                                FutureCallback<Void> resultCallback) {
        exchangeDone = resultCallback;
        ClassicHttpResponse backendResponse = new BasicClassicHttpResponse(head.getCode(), head.getReasonPhrase());
        backendResponse.setVersion(head.getVersion());
        backendResponse.setHeaders(head.getHeaders());
        // HttpClient gives no body details for HEAD answers, 204 and 304.
        if (body != null) {
            buffer = new SharedInputBuffer(bufferSize(body.getContentLength()));
            backendResponse.setEntity(new BackendBodyEntity(body, new BodyStream(buffer), () -> trailers));
        }
        onHead.accept(backendResponse);
    }

    // 1xx answers are not passed on: the proxy answered the client's Expect itself.
    @Override
    public void informationResponse(HttpResponse response, HttpContext context) {
    }

    // A small body gets a buffer its size; a large one grows it up to HttpClient's window as needed.
    private static int bufferSize(long contentLength) {
        return contentLength >= 0 && contentLength < BodyCopier.BUFFER_SIZE
                ? Math.max(1, (int) contentLength) : BodyCopier.BUFFER_SIZE;
    }

    // The data callbacks come only after a head with a body, so the buffer exists.
    @Override
    public void updateCapacity(CapacityChannel capacityChannel) throws IOException {
        buffer.updateCapacity(capacityChannel);
    }

    @Override
    public void consume(ByteBuffer data) {
        buffer.fill(data);
    }

    @Override
    public void streamEnd(List<? extends Header> backendTrailers) {
        if (backendTrailers != null) {
            trailers = List.copyOf(backendTrailers);
        }
        buffer.markEndStream();
    }

    @Override
    public void failed(Exception cause) {
        SharedInputBuffer body = buffer;
        // Before the head there is no body to break; a body that arrived whole stays readable to its end.
        if (body == null || body.isEndStream()) {
            return;
        }
        failure = cause;
        body.abort();
    }

    // Nothing to release: the buffer may still hold the end of a body that arrived whole.
    @Override
    public void releaseResources() {
    }

    // The stream reports why the body broke, not merely that the buffer was aborted.
    private IOException bodyFailure(IOException readFailure) {
        Exception cause = failure;
        if (cause == null) {
            return readFailure;
        }
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

    /** The body as the backend sends it; closing it does not drain it. */
    private final class BodyStream extends InputStream {
        private final SharedInputBuffer buffer;

        BodyStream(SharedInputBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int read = read(one, 0, 1);
            return read == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            try {
                return buffer.read(bytes, offset, length);
            } catch (IOException e) {
                throw bodyFailure(e);
            }
        }

        // What has arrived and can be read without waiting, so the copier knows when to flush.
        @Override
        public int available() {
            return buffer.length();
        }
    }
}
