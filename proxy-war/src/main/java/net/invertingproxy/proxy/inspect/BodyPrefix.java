package net.invertingproxy.proxy.inspect;

import java.util.Arrays;

/**
 * The first bytes of a body, up to a limit fixed at the start, and how long the whole body was:
 * enough to show it, and to tell whether it was kept whole (and so can be replayed).
 */
public final class BodyPrefix {
    private final int limit;
    // Grown as bytes come: most bodies are far smaller than the limit.
    private byte[] kept = new byte[0];
    private int keptLength;
    private long total;

    /** A prefix of at most {@code limit} bytes; 0 keeps only the length. */
    public BodyPrefix(int limit) {
        this.limit = limit;
    }

    /** Notes bytes that passed; keeps those that still fit. */
    public synchronized void add(byte[] bytes, int offset, int length) {
        int room = Math.min(limit - keptLength, length);
        if (room > 0) {
            if (keptLength + room > kept.length) {
                kept = Arrays.copyOf(kept, Math.min(limit, Math.max(keptLength + room, kept.length * 2)));
            }
            System.arraycopy(bytes, offset, kept, keptLength, room);
            keptLength += room;
        }
        total += length;
    }

    /** The bytes kept. */
    public synchronized byte[] bytes() {
        return Arrays.copyOf(kept, keptLength);
    }

    /** How many bytes passed in all. */
    public synchronized long total() {
        return total;
    }

    /** Whether every byte that passed was kept. */
    public synchronized boolean isWhole() {
        return total == keptLength;
    }

    /** The most this prefix may hold. */
    public int limit() {
        return limit;
    }
}
