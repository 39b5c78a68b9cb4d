package net.invertingproxy.proxy.tunnel;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

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
 * <p>Listeners of two connections and the ping timer call in on their own threads; one at a time
 * copies. Two rules keep the containers' own threads out of the way: a stream whose
 * {@code isReady()} answered false is left alone until its listener is called (the container may
 * be handling it meanwhile), and a source that must be read on its own threads only (Tomcat's
 * upgraded input, see {@link TomcatSocketNudge}) is read in its listener alone; another thread that
 * finds bytes wanted asks the container to call the listener instead.
 */
final class Relay {
    // A WebSocket message moves in pieces this large; larger ones only cost memory per open socket.
    private static final int BUFFER_SIZE = 16 * 1024;
    private static final byte[] NOTHING = new byte[0];
    private static final int MAX_LISTENER_ATTEMPTS = 100;
    private static final long LISTENER_RETRY_NANOS = 1_000_000;

    /** Told once how a relay ended. */
    interface Ending {
        /** The source ended cleanly and everything read has been flushed to the sink. */
        void finished(Relay relay);

        /** The source or the sink broke; {@code sourceSide} says which. */
        void broke(Relay relay, boolean sourceSide, Throwable failure);
    }

    /** Who asks for a round of copying. */
    private enum Caller {
        SOURCE_LISTENER, SINK_LISTENER, OTHER
    }

    /** How one round of copying left the relay. */
    private enum Progress {
        WAITING, FINISHED, SOURCE_BROKE, SINK_BROKE
    }

    private final String name;
    private final Ending ending;
    // Set for the direction into which keep-alive pings may be slipped, between two frames.
    private final FrameBoundaries sinkFrames;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicLong bytes = new AtomicLong();
    private volatile long lastReadNanos = System.nanoTime();
    // Guarded by lock.
    private ServletInputStream source;
    private TomcatSocketNudge sourceNudge;
    private byte[] prefix = NOTHING;
    private ServletOutputStream sink;
    private boolean sourceArmed;
    private boolean sinkArmed;
    private boolean pingWanted;
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

    /**
     * Where the bytes come from; {@code readAhead} was read from it already and goes first. With a
     * {@code nudge}, the source is read in its own listener only, and the nudge brings that about.
     */
    void attachSource(ServletInputStream in, byte[] readAhead, TomcatSocketNudge nudge) {
        lock.lock();
        try {
            source = in;
            prefix = readAhead;
            sourceNudge = nudge;
        } finally {
            lock.unlock();
        }
        in.setReadListener(new ReadListener() {
            @Override
            public void onDataAvailable() {
                pump(Caller.SOURCE_LISTENER);
            }

            @Override
            public void onAllDataRead() {
                pump(Caller.SOURCE_LISTENER);
            }

            @Override
            public void onError(Throwable error) {
                end(true, error);
            }
        });
        pump(Caller.OTHER);
    }

    /** Where the bytes go. */
    void attachSink(ServletOutputStream out) {
        lock.lock();
        try {
            sink = out;
        } finally {
            lock.unlock();
        }
        WriteListener listener = new WriteListener() {
            @Override
            public void onWritePossible() {
                pump(Caller.SINK_LISTENER);
            }

            @Override
            public void onError(Throwable error) {
                end(false, error);
            }
        };
        setWriteListener(out, listener);
        pump(Caller.OTHER);
    }

    // Jetty 12.1 may still count the blocking flush of the 101 (or of the request head) as under
    // way for a moment after it returned, and refuses a listener meanwhile ("!OPEN ... BLOCKED").
    // That ends within microseconds; a few short tries ride it out instead of failing the tunnel.
    private static void setWriteListener(ServletOutputStream out, WriteListener listener) {
        for (int attempt = 1; ; attempt++) {
            try {
                out.setWriteListener(listener);
                return;
            } catch (IllegalStateException e) {
                if (attempt >= MAX_LISTENER_ATTEMPTS) {
                    throw e;
                }
                LockSupport.parkNanos(LISTENER_RETRY_NANOS);
            }
        }
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
        if (sinkFrames == null) {
            return;
        }
        lock.lock();
        try {
            pingWanted = true;
        } finally {
            lock.unlock();
        }
        pump(Caller.OTHER);
    }

    // The lock is held only while this relay's streams are used: the sink's and the source's
    // own writes and reads never wait for another connection, so no lock order can deadlock.
    private void pump(Caller caller) {
        Progress progress;
        TomcatSocketNudge nudge = null;
        lock.lock();
        try {
            if (caller == Caller.SOURCE_LISTENER) {
                sourceArmed = false;
            } else if (caller == Caller.SINK_LISTENER) {
                sinkArmed = false;
            }
            if (ended.get() || source == null || sink == null) {
                return;
            }
            progress = copyWhileReady(caller);
            if (progress == Progress.WAITING && wantsSourceListener(caller)) {
                nudge = sourceNudge;
            }
        } finally {
            lock.unlock();
        }
        if (nudge != null) {
            nudge.dispatch();
        }
        if (progress != Progress.WAITING && ended.compareAndSet(false, true)) {
            report(progress);
        }
    }

    // The round stopped because it wanted bytes that only the source's own listener may read.
    private boolean wantsSourceListener(Caller caller) {
        return sourceNudge != null && caller != Caller.SOURCE_LISTENER && !sourceArmed && pending == 0
                && !flushNeeded && !sinkArmed;
    }

    private void report(Progress progress) {
        if (progress == Progress.FINISHED) {
            ending.finished(this);
        } else {
            ending.broke(this, progress == Progress.SOURCE_BROKE, failure);
        }
    }

    // Each step asks isReady() first, as the API requires, and stops when the answer is no: the
    // container calls the listener when that changes.
    private Progress copyWhileReady(Caller caller) {
        try {
            while (true) {
                if (pending > 0) {
                    if (!sinkReady()) {
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
                    if (!sinkReady()) {
                        return Progress.WAITING;
                    }
                    flushNeeded = false;
                    sink.flush();
                }
                if (!sinkReady()) {
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
                if (sourceArmed || sourceNudge != null && caller != Caller.SOURCE_LISTENER) {
                    return Progress.WAITING;
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

    private boolean sinkReady() {
        if (sinkArmed) {
            return false;
        }
        if (!sink.isReady()) {
            sinkArmed = true;
            return false;
        }
        return true;
    }

    // -1 at the end of the source, -2 when it broke, 0 when it has nothing now (its listener is called then).
    private int readWhileReady() {
        try {
            // Tomcat answers isReady() false at the end of a stream; isFinished() tells the two apart.
            // It is asked only then: Jetty's upgraded stream calls itself finished from the start,
            // as the handshake request had no body.
            if (!source.isReady()) {
                if (source.isFinished()) {
                    return -1;
                }
                sourceArmed = true;
                return 0;
            }
            if (buffer == null || buffer.length != BUFFER_SIZE) {
                buffer = new byte[BUFFER_SIZE];
            }
            int read = source.read(buffer);
            if (read > 0) {
                lastReadNanos = System.nanoTime();
                return read;
            }
            if (read == -1 || source.isFinished()) {
                return -1;
            }
            // Nothing after all: ask again, so that the container calls the listener when there is.
            if (!source.isReady()) {
                sourceArmed = true;
            }
            return 0;
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
