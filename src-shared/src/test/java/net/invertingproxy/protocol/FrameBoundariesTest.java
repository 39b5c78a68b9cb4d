package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;

import org.junit.jupiter.api.Test;

class FrameBoundariesTest {
    private static byte[] frame(int payloadLength, boolean masked) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x82);
        int maskBit = masked ? 0x80 : 0;
        if (payloadLength < 126) {
            frame.write(maskBit | payloadLength);
        } else if (payloadLength <= 0xffff) {
            frame.write(maskBit | 126);
            frame.write(payloadLength >>> 8);
            frame.write(payloadLength & 0xff);
        } else {
            frame.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) (((long) payloadLength >>> shift) & 0xff));
            }
        }
        if (masked) {
            frame.writeBytes(new byte[] {1, 2, 3, 4});
        }
        frame.writeBytes(new byte[payloadLength]);
        return frame.toByteArray();
    }

    @Test
    void eachFrameSizeEndsAtItsLastByteWhateverThePieces() {
        for (int length : new int[] {0, 1, 125, 126, 65_535, 65_536, 200_000}) {
            for (boolean masked : new boolean[] {false, true}) {
                byte[] frame = frame(length, masked);
                for (int piece : new int[] {1, 3, 7, 4096, frame.length}) {
                    FrameBoundaries boundaries = new FrameBoundaries();
                    int fed = 0;
                    while (fed < frame.length) {
                        assertTrue(fed == 0 || !boundaries.atBoundary(),
                                "boundary inside a frame of " + length + " at byte " + fed);
                        int n = Math.min(piece, frame.length - fed);
                        boundaries.consume(frame, fed, n);
                        fed += n;
                    }
                    assertTrue(boundaries.atBoundary(), "no boundary after a frame of " + length + " in pieces of " + piece);
                }
            }
        }
    }

    @Test
    void framesBackToBackInOneReadEndAtTheLastOne() {
        ByteArrayOutputStream two = new ByteArrayOutputStream();
        two.writeBytes(frame(10, false));
        two.writeBytes(frame(300, false));
        byte[] bytes = two.toByteArray();
        FrameBoundaries boundaries = new FrameBoundaries();

        boundaries.consume(bytes, 0, bytes.length - 1);
        assertFalse(boundaries.atBoundary());
        boundaries.consume(bytes, bytes.length - 1, 1);
        assertTrue(boundaries.atBoundary());
    }

    @Test
    void pingsAreEmptyPingFramesMaskedOnlyWhenAsked() {
        assertArrayEquals(new byte[] {(byte) 0x89, 0x00}, FrameBoundaries.ping(false));
        byte[] masked = FrameBoundaries.ping(true);
        assertEquals(6, masked.length);
        assertEquals((byte) 0x89, masked[0]);
        assertEquals((byte) 0x80, masked[1]);
        FrameBoundaries boundaries = new FrameBoundaries();
        boundaries.consume(masked, 0, masked.length);
        assertTrue(boundaries.atBoundary());
    }
}
