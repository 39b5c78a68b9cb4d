package net.invertingproxy.protocol;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Remembers whether the carrying stream has ended, which HttpCore's parser cannot tell from a complete head. */
final class EndAwareInputStream extends FilterInputStream {
    private volatile boolean endReached;

    EndAwareInputStream(InputStream in) {
        super(in);
    }

    boolean endReached() {
        return endReached;
    }

    @Override
    public int read() throws IOException {
        int read = in.read();
        endReached |= read == -1;
        return read;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int read = in.read(buffer, offset, length);
        endReached |= read == -1;
        return read;
    }
}
