package net.invertingproxy.faults;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import net.invertingproxy.tunnel.PatternedStream;
import net.invertingproxy.tunnel.RawClient;

/**
 * A large request body sent on a raw client's connection from a thread of its own, 64 KiB at a
 * time with a short pause after each, so a fault can strike while it is still being sent. It stops
 * at the first failed write (the proxy answered and closed) or when the whole body is out.
 */
final class PacedUpload {
    private static final int PIECE = 64 * 1024;
    private static final long PAUSE_MILLIS = 1;

    private final AtomicLong sent = new AtomicLong();
    private final CompletableFuture<String> ended = new CompletableFuture<>();

    private PacedUpload(RawClient client, long size) {
        // A thread of its own: the common pool may have a single thread on a small machine.
        Thread sender = new Thread(() -> ended.complete(send(client, size)), "paced upload");
        sender.setDaemon(true);
        sender.start();
    }

    /** Starts sending {@code size} body bytes on the client's connection, whose request head was already sent. */
    static PacedUpload start(RawClient client, long size) {
        return new PacedUpload(client, size);
    }

    private String send(RawClient client, long size) {
        PatternedStream body = new PatternedStream(size);
        byte[] piece = new byte[PIECE];
        try {
            int read;
            while ((read = body.read(piece, 0, piece.length)) != -1) {
                client.send(read == piece.length ? piece : Arrays.copyOf(piece, read));
                sent.addAndGet(read);
                Thread.sleep(PAUSE_MILLIS);
            }
            return "sent whole";
        } catch (IOException e) {
            return "stopped after " + sent.get() + " bytes: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Bytes written so far. */
    long sent() {
        return sent.get();
    }

    /** How the sending ended: "sent whole", or where and why it stopped. */
    CompletableFuture<String> ended() {
        return ended;
    }
}
