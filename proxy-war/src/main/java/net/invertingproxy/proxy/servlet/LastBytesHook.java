package net.invertingproxy.proxy.servlet;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Runs an action just before the write that completes a body of known length. The container
 * ends a Content-Length response the moment its last byte is written, so a client may send its
 * next request before the servlet regains control; whatever must be given back by then (the
 * backend's in-flight place) is given back here.
 */
final class LastBytesHook extends FilterOutputStream {
    private final long length;
    private long written;
    private Runnable beforeLast;

    LastBytesHook(OutputStream out, long length, Runnable beforeLast) {
        super(out);
        this.length = length;
        this.beforeLast = beforeLast;
    }

    @Override
    public void write(int b) throws IOException {
        beforeWriting(1);
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        beforeWriting(len);
        out.write(b, off, len);
    }

    private void beforeWriting(int len) {
        written += len;
        if (beforeLast != null && written >= length) {
            beforeLast.run();
            beforeLast = null;
        }
    }
}
