package net.invertingproxy.agent.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** When a tunnel's keep-alive pings, on a clock the test chooses. */
class BackendKeepAliveTest {
    private static final long INTERVAL = TimeUnit.SECONDS.toNanos(30);
    private static final int PING_LENGTH = 6;

    private final ByteArrayOutputStream backend = new ByteArrayOutputStream();
    private final LastReadTrackingInputStream fromBackend = new LastReadTrackingInputStream(new ByteArrayInputStream(new byte[] {42}));
    private final List<IOException> failures = new ArrayList<>();
    private final List<BackendKeepAlive> stopped = new ArrayList<>();

    private BackendKeepAlive keepAlive(OutputStream out) {
        return new BackendKeepAlive(new BackendOutput(out), fromBackend, INTERVAL, failures::add, stopped::add);
    }

    @Test
    void pingsOnceTheBackendHasBeenSilentForTheIntervalThenOncePerInterval() throws IOException {
        long start = System.nanoTime();
        BackendKeepAlive keepAlive = keepAlive(backend);
        long started = System.nanoTime();

        keepAlive.check(start + INTERVAL - 1);
        assertEquals(0, backend.size(), "not silent for the interval yet");
        keepAlive.check(started + INTERVAL);
        assertEquals(PING_LENGTH, backend.size(), "silent for the interval");
        keepAlive.check(started + INTERVAL + INTERVAL / 2);
        assertEquals(PING_LENGTH, backend.size(), "an unanswered ping counts as the last word for an interval");
        keepAlive.check(started + 2 * INTERVAL);
        assertEquals(2 * PING_LENGTH, backend.size());

    }

    @Test
    void aByteFromTheBackendPutsThePingOff() throws Exception {
        BackendKeepAlive keepAlive = keepAlive(backend);
        // Letting time pass is the point: the read must count, not the keep-alive's start.
        Thread.sleep(5);
        long beforeRead = System.nanoTime();

        assertEquals(42, fromBackend.read());

        keepAlive.check(beforeRead + INTERVAL - 1);
        assertEquals(0, backend.size(), "the backend spoke within the interval");
        keepAlive.check(System.nanoTime() + INTERVAL);
        assertEquals(PING_LENGTH, backend.size());
    }

    @Test
    void aFailedPingStopsTheKeepAliveAndIsReported() {
        IOException broken = new IOException("Broken pipe");
        BackendKeepAlive keepAlive = keepAlive(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw broken;
            }
        });

        keepAlive.check(System.nanoTime() + INTERVAL);

        assertEquals(List.of(broken), failures);
        assertEquals(1, stopped.size());
        assertSame(keepAlive, stopped.get(0));
        keepAlive.check(System.nanoTime() + 2 * INTERVAL);
        assertEquals(1, failures.size(), "no ping after the failure");
    }
}
