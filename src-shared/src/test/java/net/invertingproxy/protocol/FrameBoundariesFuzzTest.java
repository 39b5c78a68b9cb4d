package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link FrameBoundaries} with arbitrary bytes of a WebSocket direction, fed in arbitrary
 * pieces. Its contract: it never fails, and after each piece it is at a boundary exactly when the
 * bytes so far end a frame, as read from the whole byte array at once by RFC 6455 section 5.2.
 */
class FrameBoundariesFuzzTest {
    private static final int MAX_BYTES = 64 * 1024;

    @FuzzTest
    void consume(FuzzedDataProvider data) {
        int pieces = data.consumeInt(1, 16);
        int[] sizes = new int[pieces];
        for (int i = 0; i < pieces; i++) {
            sizes[i] = data.consumeInt(0, 4096);
        }
        byte[] bytes = data.consumeRemainingAsBytes();
        if (bytes.length > MAX_BYTES) {
            return;
        }
        Set<Integer> boundaries = frameEnds(bytes);
        FrameBoundaries frames = new FrameBoundaries();
        assertTrue(frames.atBoundary(), "a fresh direction is at a boundary");
        int position = 0;
        for (int i = 0; position < bytes.length; i++) {
            int size = Math.min(i < pieces ? sizes[i] : bytes.length, bytes.length - position);
            frames.consume(bytes, position, size);
            position += size;
            assertEquals(boundaries.contains(position), frames.atBoundary(), "after " + position + " bytes");
        }
        if (frames.atBoundary()) {
            byte[] ping = FrameBoundaries.ping(data.consumeBoolean());
            frames.consume(ping, 0, ping.length);
            assertTrue(frames.atBoundary(), "a ping is a whole frame");
        }
    }

    // Offsets at which a frame ends (and 0), reading the array from the start.
    private static Set<Integer> frameEnds(byte[] bytes) {
        Set<Integer> ends = new HashSet<>();
        ends.add(0);
        long position = 0;
        while (position + 2 <= bytes.length) {
            int at = (int) position;
            int lengthCode = bytes[at + 1] & 0x7f;
            int extended = lengthCode == 126 ? 2 : lengthCode == 127 ? 8 : 0;
            int mask = (bytes[at + 1] & 0x80) != 0 ? 4 : 0;
            if (at + 2 + extended > bytes.length) {
                break;
            }
            long payload = lengthCode;
            if (extended > 0) {
                payload = 0;
                for (int i = 0; i < extended; i++) {
                    payload = payload << 8 | (bytes[at + 2 + i] & 0xff);
                }
                // The reserved top bit is ignored, as FrameBoundaries documents.
                payload &= Long.MAX_VALUE;
            }
            long headerEnd = position + 2 + extended + mask;
            // Compared this way round, a length near Long.MAX_VALUE cannot overflow.
            if (headerEnd > bytes.length || payload > bytes.length - headerEnd) {
                break;
            }
            long end = headerEnd + payload;
            ends.add((int) end);
            position = end;
        }
        return ends;
    }
}
