package net.invertingproxy.agent.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** Pings share the backend stream with the client's bytes only between frames, and never wait for a write. */
class BackendOutputTest {
    // A masked text frame of 3 payload bytes: 2 header bytes, 4 of masking key, the payload.
    private static final byte[] FRAME = {(byte) 0x81, (byte) 0x83, 1, 2, 3, 4, 5, 6, 7};

    @Test
    void aPingGoesOnlyBetweenFrames() throws IOException {
        ByteArrayOutputStream backend = new ByteArrayOutputStream();
        BackendOutput output = new BackendOutput(backend);

        assertTrue(output.pingAtBoundary(), "before any frame");
        output.write(Arrays.copyOf(FRAME, 4), 4);
        assertFalse(output.pingAtBoundary(), "amid the header");
        byte[] rest = Arrays.copyOfRange(FRAME, 4, FRAME.length);
        output.write(rest, 2);
        assertFalse(output.pingAtBoundary(), "amid the payload");
        output.write(Arrays.copyOfRange(rest, 2, rest.length), rest.length - 2);
        assertTrue(output.pingAtBoundary(), "after the frame");

        byte[] written = backend.toByteArray();
        assertEquals(6 + FRAME.length + 6, written.length);
        assertArrayEquals(new byte[] {(byte) 0x89, (byte) 0x80}, Arrays.copyOfRange(written, 0, 2));
        assertArrayEquals(FRAME, Arrays.copyOfRange(written, 6, 6 + FRAME.length));
        assertArrayEquals(new byte[] {(byte) 0x89, (byte) 0x80}, Arrays.copyOfRange(written, 6 + FRAME.length, 8 + FRAME.length));
    }

    @Test
    void aPingDoesNotWaitForAWriteUnderWay() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ByteArrayOutputStream taken = new ByteArrayOutputStream();
        // A backend that takes the client's bytes slowly: the write blocks until released.
        OutputStream slowBackend = new OutputStream() {
            @Override
            public void write(int b) {
                taken.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                if (length == FRAME.length) {
                    writing.countDown();
                    try {
                        release.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                taken.write(bytes, offset, length);
            }
        };
        BackendOutput output = new BackendOutput(slowBackend);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                output.write(FRAME, FRAME.length);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(writing.await(5, TimeUnit.SECONDS));

        assertFalse(output.pingAtBoundary(), "a write is under way");
        release.countDown();
        write.get(5, TimeUnit.SECONDS);
        assertArrayEquals(FRAME, taken.toByteArray(), "nothing slipped in");
        assertTrue(output.pingAtBoundary(), "the write is done");
    }

    @Test
    void noPingAfterPingsStopped() throws IOException {
        ByteArrayOutputStream backend = new ByteArrayOutputStream();
        BackendOutput output = new BackendOutput(backend);

        output.stopPings();

        assertFalse(output.pingAtBoundary());
        assertEquals(0, backend.size());
    }
}
