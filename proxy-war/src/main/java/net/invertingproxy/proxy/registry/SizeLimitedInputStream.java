package net.invertingproxy.proxy.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** An input stream that fails once more than a set number of bytes have come through it. */
final class SizeLimitedInputStream extends FilterInputStream {
    private final long limit;
    private long count;

    SizeLimitedInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            counted(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            counted(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        counted(skipped);
        return skipped;
    }

    // Re-reading after a reset would count bytes twice.
    @Override
    public boolean markSupported() {
        return false;
    }

    private void counted(long n) throws LimitExceededException {
        count += n;
        if (count > limit) {
            throw new LimitExceededException(limit);
        }
    }

    /** More bytes came than the limit allows. */
    static final class LimitExceededException extends IOException {
        private static final long serialVersionUID = 1L;
        private final long limit;

        LimitExceededException(long limit) {
            super("more than " + limit + " bytes");
            this.limit = limit;
        }

        long limit() {
            return limit;
        }
    }
}
