package net.invertingproxy.proxy.tunnel;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
 *
 * <p>The container calls the read and write listeners of two different connections, and the ping
 * timer asks for pings, on any threads at once. One of them at a time copies; the others only
 * note that there is more to do and return, so no thread ever waits for another here while it may
 * hold a lock of its own connection.
 */
final class Relay {
    // A WebSocket message moves in pieces this large; larger ones only cost memory per open socket.
    private static final int BUFFER_SIZE = 16 * 1024;
    private static final byte[] NOTHING = new byte[0];

    /** Told once how a relay ended. */
    interface Ending {
        /** The source ended cleanly and everything read has been flushed to the sink. */
        void finished(Relay relay);

        /** The source or the sink broke; {@code sourceSide} says which. */
        void broke(Relay relay, boolean sourceSide, Throwable failure);
    }

    /** How one round of copying left the relay. */
    private enum Progress {
        WAITING, FINISHED, SOURCE_BROKE, SINK_BROKE
    }

    private final String name;
    private final Ending ending;
    // Set for the direction into which keep-alive pings may be slipped, between two frames.
    private final FrameBoundaries sinkFrames;
    private final AtomicInteger pumpRequests = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private volatile ServletInputStream source;
    private volatile byte[] prefix = NOTHING;
    private volatile ServletOutputStream sink;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile boolean pingWanted;
    private volatile long lastReadNanos = System.nanoTime();
    // Touched only by the thread that is copying (see pump).
    private byte[] buffer;
    private int pending;
    private int pendingOffset;
    private boolean flushNeeded;
    private Throwable failure;

    Relay(String name, Ending ending, boolean followsFrames) {
        this.name = name;
        this.ending = ending;
        this.sinkFrames = followsFrames ? new FrameBoundaries() : null;
    }

    /** Where the bytes come from; {@code readAhead} was read from it already and goes first. */
    void attachSource(ServletInputStream in, byte[] readAhead) {
        prefix = readAhead;
        source = in;
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
            public void onError(Throwable error) {
                end(true, error);
            }
        });
        pump();
    }

    /** Where the bytes go. */
    void attachSink(ServletOutputStream out) {
        sink = out;
        out.setWriteListener(new WriteListener() {
            @Override
            public void onWritePossible() {
                pump();
            }

            @Override
            public void onError(Throwable error) {
                end(false, error);
            }
        });
        pump();
    }

    /** When the source last gave bytes (or when the relay was made), from {@link System#nanoTime()}. */
    long lastReadNanos() {
        return lastReadNanos;
    }

    /** Bytes copied so far. */
    long bytes() {
        return bytes.get();
    }

    String name() {
        return name;
    }

    /** Stops copying without telling anyone: the tunnel is being torn down. */
    void stop() {
        ended.set(true);
    }

    /**
     * Asks for an empty ping to be slipped into the sink at the next frame boundary at which
     * nothing else waits to be written (at once, if the relay is there now).
     */
    void ping() {
        if (sinkFrames != null) {
            pingWanted = true;
            pump();
        }
    }

    // Whoever finds no round running runs rounds until no request came in meanwhile; everyone
    // else only counts a request. The atomic counter orders the rounds, so the fields only the
    // copying thread touches are seen by whichever thread copies next.
    private void pump() {
        if (pumpRequests.getAndIncrement() != 0) {
            return;
        }
        int handled = 1;
        while (true) {
            Progress progress = ended.get() || source == null || sink == null ? Progress.WAITING : copyWhileReady();
            if (progress != Progress.WAITING && ended.compareAndSet(false, true)) {
                report(progress);
            }
            int left = pumpRequests.addAndGet(-handled);
            if (left == 0) {
                return;
            }
            handled = left;
        }
    }

    private void report(Progress progress) {
        if (progress == Progress.FINISHED) {
            ending.finished(this);
        } else {
            ending.broke(this, progress == Progress.SOURCE_BROKE, failure);
        }
    }

    // Each step asks isReady() first, as the API requires, and returns when the answer is no:
    // the container calls back when that changes.
    private Progress copyWhileReady() {
        try {
            while (true) {
                if (pending > 0) {
                    if (!sink.isReady()) {
                        return Progress.WAITING;
                    }
                    sink.write(buffer, pendingOffset, pending);
                    if (sinkFrames != null) {
                        sinkFrames.consume(buffer, pendingOffset, pending);
                    }
                    bytes.addAndGet(pending);
                    pending = 0;
                    flushNeeded = true;
                }
                if (flushNeeded) {
                    if (!sink.isReady()) {
                        return Progress.WAITING;
                    }
                    flushNeeded = false;
                    sink.flush();
                }
                if (!sink.isReady()) {
                    return Progress.WAITING;
                }
                if (pingWanted && sinkFrames.atBoundary()) {
                    pingWanted = false;
                    sink.write(FrameBoundaries.ping(false));
                    flushNeeded = true;
                    continue;
                }
                if (prefix.length > 0) {
                    buffer = prefix;
                    pendingOffset = 0;
                    pending = prefix.length;
                    prefix = NOTHING;
                    continue;
                }
                int read = readWhileReady();
                if (read == -1) {
                    return Progress.FINISHED;
                }
                if (read == -2) {
                    return Progress.SOURCE_BROKE;
                }
                if (read == 0) {
                    return Progress.WAITING;
                }
                pending = read;
                pendingOffset = 0;
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
            return Progress.SINK_BROKE;
        }
    }

    // -1 at the end of the source, -2 when it broke, 0 when it has nothing now (the container calls back).
    private int readWhileReady() {
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
                return read;
            }
            return read == -1 || source.isFinished() ? -1 : 0;
        } catch (IOException | RuntimeException e) {
            failure = e;
            return -2;
        }
    }

    private void end(boolean sourceSide, Throwable error) {
        if (ended.compareAndSet(false, true)) {
            ending.broke(this, sourceSide, error);
        }
    }
}
