package net.invertingproxy.protocol;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Makes a Content-Length body fail loudly when it carries more or fewer bytes than it announced. */
final class ExactLengthOutputStream extends FilterOutputStream {
    private final long length;
    private long written;

    ExactLengthOutputStream(OutputStream out, long length) {
        super(out);
        this.length = length;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] buffer, int offset, int count) throws IOException {
        if (written + count > length) {
            throw new IOException("body longer than its announced " + length + " bytes");
        }
        out.write(buffer, offset, count);
        written += count;
    }

    @Override
    public void close() throws IOException {
        if (written != length) {
            throw new IOException("body of " + written + " bytes ended before its announced " + length);
        }
        out.close();
    }
}
