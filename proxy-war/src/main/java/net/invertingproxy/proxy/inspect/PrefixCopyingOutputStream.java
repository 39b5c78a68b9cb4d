package net.invertingproxy.proxy.inspect;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Passes every byte on unchanged and notes it in a {@link BodyPrefix} on the way. */
public final class PrefixCopyingOutputStream extends FilterOutputStream {
    private final BodyPrefix prefix;

    /** Writes to {@code out}, noting what is written in {@code prefix}. */
    public PrefixCopyingOutputStream(OutputStream out, BodyPrefix prefix) {
        super(out);
        this.prefix = prefix;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        prefix.add(new byte[] {(byte) b}, 0, 1);
    }

    // FilterOutputStream would write byte by byte.
    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
        prefix.add(bytes, offset, length);
    }
}
