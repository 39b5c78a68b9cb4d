package net.invertingproxy.agent.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpResponse;

/**
 * Reads the proxy's answer to a response post: its status and the first line of its body, at most
 * {@value #MAX_REASON_BYTES} bytes of it; the rest is read and dropped, so a broken proxy cannot
 * make the agent hold a large answer.
 */
final class PostAnswerConsumer extends AbstractBinResponseConsumer<PostAnswerConsumer.Answer> {
    static final int MAX_REASON_BYTES = 200;

    /** The proxy's status and one-line reason. */
    record Answer(int status, String reason) {
    }

    private final ByteBuffer reason = ByteBuffer.allocate(MAX_REASON_BYTES);
    private int status;

    @Override
    protected void start(HttpResponse response, ContentType contentType) {
        status = response.getCode();
    }

    @Override
    protected int capacityIncrement() {
        return Integer.MAX_VALUE;
    }

    @Override
    protected void data(ByteBuffer data, boolean endOfStream) {
        int room = Math.min(reason.remaining(), data.remaining());
        if (room > 0) {
            ByteBuffer slice = data.slice();
            slice.limit(room);
            reason.put(slice);
        }
        data.position(data.limit());
    }

    @Override
    protected Answer buildResult() {
        String text = new String(reason.array(), 0, reason.position(), StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        String firstLine = (newline < 0 ? text : text.substring(0, newline)).replaceAll("\\p{Cntrl}", "").trim();
        return new Answer(status, firstLine);
    }

    @Override
    public void releaseResources() {
    }
}
