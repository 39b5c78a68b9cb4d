package net.invertingproxy.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies a body through a fixed buffer, flushing whenever the source has nothing more at hand so
 * that streamed responses (server-sent events, progress output) reach the reader without delay.
 * A failure says which side broke, because the two sides need different answers.
 */
public final class BodyCopier {
    /** The copy buffer size: big enough for throughput, small enough for thousands of exchanges. */
    public static final int BUFFER_SIZE = 32 * 1024;

    private BodyCopier() {
    }

    /** Reading the source failed: the sending peer vanished or sent a broken body. */
    public static final class SourceFailedException extends IOException {
        private static final long serialVersionUID = 1L;

        SourceFailedException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Writing the sink failed: the receiving peer went away. */
    public static final class SinkFailedException extends IOException {
        private static final long serialVersionUID = 1L;

        SinkFailedException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Copies until the source ends and returns the number of bytes copied. */
    public static long copy(InputStream source, OutputStream sink) throws SourceFailedException, SinkFailedException {
        byte[] buffer = new byte[BUFFER_SIZE];
        long total = 0;
        while (true) {
            int read = read(source, buffer);
            if (read == -1) {
                flush(sink);
                return total;
            }
            write(sink, buffer, read);
            total += read;
            if (available(source) <= 0) {
                flush(sink);
            }
        }
    }

    private static int read(InputStream source, byte[] buffer) throws SourceFailedException {
        try {
            return source.read(buffer);
        } catch (IOException e) {
            throw new SourceFailedException(e);
        }
    }

    private static int available(InputStream source) throws SourceFailedException {
        try {
            return source.available();
        } catch (IOException e) {
            throw new SourceFailedException(e);
        }
    }

    private static void write(OutputStream sink, byte[] buffer, int length) throws SinkFailedException {
        try {
            sink.write(buffer, 0, length);
        } catch (IOException e) {
            throw new SinkFailedException(e);
        }
    }

    private static void flush(OutputStream sink) throws SinkFailedException {
        try {
            sink.flush();
        } catch (IOException e) {
            throw new SinkFailedException(e);
        }
    }
}
