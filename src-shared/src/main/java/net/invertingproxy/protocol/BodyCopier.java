package net.invertingproxy.protocol;

import java.io.EOFException;
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

    /**
     * Copies exactly {@code length} bytes, the body's announced length, and never reads past them; a source
     * that ends sooner fails. Once the sink's reader has the whole body the exchange may end at once, and a
     * servlet container then recycles the request's input for the connection's next request: one more read,
     * to see the end, could take that request's bytes (seen in scripts/soak as two uploads on one client
     * connection, the first "longer than announced" and the second short by 32 KiB).
     */
    public static long copyExactly(InputStream source, OutputStream sink, long length)
            throws SourceFailedException, SinkFailedException {
        byte[] buffer = new byte[(int) Math.max(1, Math.min(BUFFER_SIZE, length))];
        long total = 0;
        try {
            while (total < length) {
                int read = read(source, buffer, (int) Math.min(buffer.length, length - total));
                if (read == -1) {
                    throw new SourceFailedException(new EOFException(
                            "body of " + total + " bytes ended before its announced " + length));
                }
                write(sink, buffer, read);
                total += read;
                if (total == length || available(source) <= 0) {
                    flush(sink);
                }
            }
            return total;
        } catch (CopyFailedException e) {
            e.after(total);
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
        return read(source, buffer, buffer.length);
    }

    private static int read(InputStream source, byte[] buffer, int length) throws SourceFailedException {
        try {
            return source.read(buffer, 0, length);
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
