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

    /** A copy that broke off, saying how many bytes had been copied. */
    public abstract static class CopyFailedException extends IOException {
        private static final long serialVersionUID = 1L;

        private long copied;

        CopyFailedException(IOException cause) {
            super(cause.getMessage(), cause);
        }

        /** Bytes written to the sink before the copy broke off. */
        public long copied() {
            return copied;
        }

        CopyFailedException after(long bytes) {
            copied = bytes;
            return this;
        }
    }

    /** Reading the source failed: the sending peer vanished or sent a broken body. */
    public static final class SourceFailedException extends CopyFailedException {
        private static final long serialVersionUID = 1L;

        SourceFailedException(IOException cause) {
            super(cause);
        }
    }

    /** Writing the sink failed: the receiving peer went away. */
    public static final class SinkFailedException extends CopyFailedException {
        private static final long serialVersionUID = 1L;

        SinkFailedException(IOException cause) {
            super(cause);
        }
    }

    /** Copies until the source ends and returns the number of bytes copied. */
    public static long copy(InputStream source, OutputStream sink) throws SourceFailedException, SinkFailedException {
        return copy(source, sink, BUFFER_SIZE);
    }

    /**
     * Copies through a buffer of {@code bufferSize} bytes until the source ends and returns the
     * number of bytes copied; a body known to be small needs no more than its length.
     */
    public static long copy(InputStream source, OutputStream sink, int bufferSize)
            throws SourceFailedException, SinkFailedException {
        long[] total = {0};
        try {
            return copy(source, sink, new byte[Math.max(1, bufferSize)], total);
        } catch (CopyFailedException e) {
            e.after(total[0]);
            throw e;
        }
    }

    private static long copy(InputStream source, OutputStream sink, byte[] buffer, long[] counted)
            throws SourceFailedException, SinkFailedException {
        long total = 0;
        while (true) {
            int read = read(source, buffer);
            if (read == -1) {
                flush(sink);
                return total;
            }
            write(sink, buffer, read);
            total += read;
            counted[0] = total;
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
