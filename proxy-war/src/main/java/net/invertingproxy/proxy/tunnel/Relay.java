package net.invertingproxy.proxy.tunnel;

import java.io.IOException;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;

import net.invertingproxy.protocol.FrameBoundaries;

/**
 * Copies one direction of a tunnelled connection without holding a thread: it reads only when
 * the source has bytes and writes only when the sink can take them (Servlet non-blocking I/O),
 * flushing every piece at once, since WebSocket traffic is interactive. Each end attaches when its
 * connection is ready; the copy starts once both have.
 */
final class Relay {
    // A WebSocket message moves in pieces this large; larger ones only cost memory per open socket.
    private static final int BUFFER_SIZE = 16 * 1024;

    /** Told once how a relay ended. */
    interface Ending {
        /** The source ended cleanly and everything read has been flushed to the sink. */
        void finished(Relay relay);

        /** The source or the sink broke; {@code sourceSide} says which. */
        void broke(Relay relay, boolean sourceSide, Throwable failure);
    }

    private final String name;
    private final Ending ending;
    private ServletInputStream source;
    private byte[] prefix = new byte[0];
    private ServletOutputStream sink;
    private byte[] buffer;
    private int pending;
    private int pendingOffset;
    private boolean flushNeeded;
    private boolean ended;
    private long bytes;
    // Set for the direction into which keep-alive pings may be slipped, between two frames.
    private final FrameBoundaries sinkFrames;
    private volatile long lastReadNanos = System.nanoTime();

    Relay(String name, Ending ending, boolean followsFrames) {
        this.name = name;
        this.ending = ending;
        this.sinkFrames = followsFrames ? new FrameBoundaries() : null;
    }

    /** When the source last gave bytes (or when the relay was made), from {@link System#nanoTime()}. */
    long lastReadNanos() {
        return lastReadNanos;
    }

    /**
     * Writes the frame into the sink if the bytes copied so far end at a frame boundary, nothing
     * waits to be written and the sink can take it now; false if it could not be slipped in.
     */
    boolean slipIn(byte[] frame) {
        Throwable failure = null;
        synchronized (this) {
            if (sinkFrames == null || ended || sink == null || pending > 0 || flushNeeded
                    || !sinkFrames.atBoundary()) {
                return false;
            }
            try {
                if (!sink.isReady()) {
                    return false;
                }
                sink.write(frame);
                if (sink.isReady()) {
                    sink.flush();
                } else {
                    flushNeeded = true;
                }
                return true;
            } catch (IOException | RuntimeException e) {
                ended = true;
                failure = e;
            }
        }
        ending.broke(this, false, failure);
        return false;
    }

    /** Where the bytes come from; {@code prefix} was read from it already and goes first. */
    void attachSource(ServletInputStream in, byte[] readAhead) {
        synchronized (this) {
            source = in;
            prefix = readAhead;
        }
        in.setReadListener(new ReadListener() {
            @Override
            public void onDataAvailable() {
                pump();
            }

            @Override
            public void onAllDataRead() {
                pump();
            }

            @Override
            public void onError(Throwable failure) {
                end(true, failure);
            }
        });
        pump();
    }

    /** Where the bytes go. */
    void attachSink(ServletOutputStream out) {
        synchronized (this) {
            sink = out;
        }
        out.setWriteListener(new WriteListener() {
            @Override
            public void onWritePossible() {
                pump();
            }

            @Override
            public void onError(Throwable failure) {
                end(false, failure);
            }
        });
        pump();
    }

    /** Bytes copied so far. */
    synchronized long bytes() {
        return bytes;
    }

    String name() {
        return name;
    }

    /** Stops copying without telling anyone: the tunnel is being torn down. */
    synchronized void stop() {
        ended = true;
    }

    // The container calls read and write listeners of different connections concurrently; one
    // lock keeps the buffer consistent. Each step asks isReady() first, as the API requires, and
    // returns when the answer is no: the container calls back when that changes.
    private void pump() {
        boolean finished = false;
        Throwable failure = null;
        boolean sourceSide = false;
        synchronized (this) {
            if (ended || source == null || sink == null) {
                return;
            }
            try {
                finished = copyWhileReady();
            } catch (SourceFailure e) {
                failure = e.getCause();
                sourceSide = true;
            } catch (IOException | RuntimeException e) {
                failure = e;
            }
            if (finished || failure != null) {
                ended = true;
            }
        }
        if (failure != null) {
            ending.broke(this, sourceSide, failure);
        } else if (finished) {
            ending.finished(this);
        }
    }

    // True once the source has ended and all of it reached the sink.
    private boolean copyWhileReady() throws IOException {
        while (true) {
            if (pending > 0) {
                if (!sink.isReady()) {
                    return false;
                }
                sink.write(buffer, pendingOffset, pending);
                if (sinkFrames != null) {
                    sinkFrames.consume(buffer, pendingOffset, pending);
                }
                bytes += pending;
                pending = 0;
                flushNeeded = true;
            }
            if (flushNeeded) {
                if (!sink.isReady()) {
                    return false;
                }
                flushNeeded = false;
                sink.flush();
            }
            if (!sink.isReady()) {
                return false;
            }
            if (prefix.length > 0) {
                buffer = prefix;
                pendingOffset = 0;
                pending = prefix.length;
                prefix = new byte[0];
                continue;
            }
            int read = readWhileReady();
            if (read == -1) {
                return true;
            }
            if (read == 0) {
                return false;
            }
            pending = read;
            pendingOffset = 0;
        }
    }

    // -1 at the end of the source, 0 when it has nothing now (the container calls back).
    private int readWhileReady() throws SourceFailure {
        try {
            // Tomcat answers isReady() false at the end of a stream; isFinished() tells the two apart.
            // It is asked only then: Jetty's upgraded stream calls itself finished from the start,
            // as the handshake request had no body.
            if (!source.isReady()) {
                return source.isFinished() ? -1 : 0;
            }
            if (buffer == null || buffer.length != BUFFER_SIZE) {
                buffer = new byte[BUFFER_SIZE];
            }
            int read = source.read(buffer);
            if (read > 0) {
                lastReadNanos = System.nanoTime();
            }
            return read == 0 ? (source.isFinished() ? -1 : 0) : read;
        } catch (IOException | RuntimeException e) {
            throw new SourceFailure(e);
        }
    }

    private void end(boolean sourceSide, Throwable failure) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        ending.broke(this, sourceSide, failure);
    }

    /** Marks a failure of the source, so that the tunnel knows which side broke. */
    private static final class SourceFailure extends IOException {
        private static final long serialVersionUID = 1L;

        SourceFailure(Throwable cause) {
            super(cause);
        }
    }
}
