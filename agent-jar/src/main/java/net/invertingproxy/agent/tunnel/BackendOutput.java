package net.invertingproxy.agent.tunnel;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;

import net.invertingproxy.protocol.FrameBoundaries;

/**
 * The client-to-backend byte stream of one tunnel, shared by the client's bytes and the agent's
 * keep-alive pings: a ping goes only between two of the client's frames, never inside one and never
 * amid a write (RFC 6455 section 5.4 lets control frames come between the fragments of a message,
 * but a frame's bytes must stay together).
 */
final class BackendOutput {
    private final OutputStream out;
    private final FrameBoundaries clientFrames = new FrameBoundaries();
    // Held around each write of the client's bytes with its frame accounting, and around each ping
    // with its boundary check, so that the two never interleave.
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock: once set, no ping follows the client's bytes.
    private boolean pingsStopped;

    BackendOutput(OutputStream out) {
        this.out = out;
    }

    /** Writes and flushes the client's next {@code length} bytes. */
    void write(byte[] bytes, int length) throws IOException {
        lock.lock();
        try {
            out.write(bytes, 0, length);
            out.flush();
            clientFrames.consume(bytes, 0, length);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes an empty ping, masked as a client's frames must be (RFC 6455 section 5.3), if the
     * client's bytes so far end at a frame boundary; returns whether it did. Never waits: while the
     * client's bytes are being written the stream is busy anyway, and the caller tries again later.
     */
    boolean pingAtBoundary() throws IOException {
        if (!lock.tryLock()) {
            return false;
        }
        try {
            if (pingsStopped || !clientFrames.atBoundary()) {
                return false;
            }
            out.write(FrameBoundaries.ping(true));
            out.flush();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** No ping is written after this returns: the client's side is ending, and nothing may follow its last bytes. */
    void stopPings() {
        lock.lock();
        try {
            pingsStopped = true;
        } finally {
            lock.unlock();
        }
    }
}
