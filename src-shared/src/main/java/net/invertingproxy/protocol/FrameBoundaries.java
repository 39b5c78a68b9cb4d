package net.invertingproxy.protocol;

import java.security.SecureRandom;

/**
 * Follows the frames of one direction of a WebSocket connection (RFC 6455 section 5.2) from the
 * bytes that pass, without keeping them, so that a relay knows when the bytes so far end exactly
 * at the end of a frame: only there may it slip in a frame of its own, such as a keep-alive ping.
 * Extensions (compression) change payloads, never the framing, so they need no handling.
 */
public final class FrameBoundaries {
    private static final SecureRandom MASKS = new SecureRandom();
    // Two fixed bytes, up to eight of extended length and four of masking key.
    private static final int MAX_HEADER = 14;

    private final byte[] header = new byte[MAX_HEADER];
    private int headerRead;
    private int headerLength = 2;
    private long payloadLeft;

    /** Takes the next bytes of the direction, in order. */
    public void consume(byte[] bytes, int offset, int length) {
        int position = offset;
        int end = offset + length;
        while (position < end) {
            if (payloadLeft > 0) {
                int skipped = (int) Math.min(payloadLeft, end - position);
                payloadLeft -= skipped;
                position += skipped;
                continue;
            }
            header[headerRead++] = bytes[position++];
            if (headerRead == 2) {
                headerLength = 2 + extendedLengthBytes() + (masked() ? 4 : 0);
            }
            if (headerRead == headerLength) {
                payloadLeft = payloadLength();
                headerRead = 0;
                headerLength = 2;
            }
        }
    }

    /** Whether the bytes consumed so far end exactly at the end of a frame. */
    public boolean atBoundary() {
        return headerRead == 0 && payloadLeft == 0;
    }

    /**
     * An empty ping frame. A client's frames must be masked (section 5.3), a server's must not be;
     * the peer answers it with a pong (section 5.5.2), which its own peer ignores (section 5.5.3).
     */
    public static byte[] ping(boolean masked) {
        if (!masked) {
            return new byte[] {(byte) 0x89, 0x00};
        }
        byte[] frame = new byte[6];
        frame[0] = (byte) 0x89;
        frame[1] = (byte) 0x80;
        byte[] key = new byte[4];
        MASKS.nextBytes(key);
        System.arraycopy(key, 0, frame, 2, 4);
        return frame;
    }

    private boolean masked() {
        return (header[1] & 0x80) != 0;
    }

    private int extendedLengthBytes() {
        int length = header[1] & 0x7f;
        return length == 126 ? 2 : length == 127 ? 8 : 0;
    }

    private long payloadLength() {
        int length = header[1] & 0x7f;
        if (length < 126) {
            return length;
        }
        int bytes = length == 126 ? 2 : 8;
        long value = 0;
        for (int i = 0; i < bytes; i++) {
            value = (value << 8) | (header[2 + i] & 0xff);
        }
        // The most significant bit must be 0 (section 5.2); a broken peer must not make us wait forever.
        return value & Long.MAX_VALUE;
    }
}
