package net.invertingproxy.agent.tunnel;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** The backend socket's input, noting when a byte last came from the backend, so that a silent backend can be told from a busy one. */
final class LastReadTrackingInputStream extends FilterInputStream {
    private volatile long lastReadNanos = System.nanoTime();

    LastReadTrackingInputStream(InputStream in) {
        super(in);
    }

    /** The {@link System#nanoTime()} of the last read that returned bytes, or of this stream's creation. */
    long lastReadNanos() {
        return lastReadNanos;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            lastReadNanos = System.nanoTime();
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int read = super.read(buffer, offset, length);
        if (read > 0) {
            lastReadNanos = System.nanoTime();
        }
        return read;
    }
}
