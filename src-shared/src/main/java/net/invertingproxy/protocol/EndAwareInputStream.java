package net.invertingproxy.protocol;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The carrying stream as the message parser sees it: it remembers whether the stream ended (which
 * HttpCore's parser cannot tell from a complete head), and refuses to read more than a limit while
 * the head is parsed, so an endless head cannot fill memory.
 */
final class EndAwareInputStream extends FilterInputStream {
    private final long headReadLimit;
    private volatile boolean endReached;
    private long readDuringHead;
    private boolean headDone;

    EndAwareInputStream(InputStream in, long headReadLimit) {
        super(in);
        this.headReadLimit = headReadLimit;
    }

    boolean endReached() {
        return endReached;
    }

    void headDone() {
        headDone = true;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int read = read(one, 0, 1);
        return read == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int read = in.read(buffer, offset, length);
        endReached |= read == -1;
        if (!headDone && read > 0) {
            readDuringHead += read;
            if (readDuringHead > headReadLimit) {
                throw new MalformedMessageException("message head larger than " + headReadLimit + " bytes");
            }
        }
        return read;
    }
}
