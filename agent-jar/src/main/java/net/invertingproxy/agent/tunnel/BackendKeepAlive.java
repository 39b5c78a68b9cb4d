package net.invertingproxy.agent.tunnel;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * One tunnel's keep-alive towards its backend: once the backend has sent nothing for the interval,
 * an empty ping, which it must answer with a pong (RFC 6455 section 5.5.2); the pong travels to the
 * client, which ignores it (section 5.5.3), and on its way keeps the response post and the proxy's
 * connections from idling out. Checked only by the {@link WebSocketPinger}'s thread.
 */
final class BackendKeepAlive {
    private final BackendOutput toBackend;
    private final LastReadTrackingInputStream fromBackend;
    private final long intervalNanos;
    private final Consumer<IOException> onPingFailed;
    private final Consumer<BackendKeepAlive> onStop;
    // The later of the keep-alive's start and its last ping: a backend that does not answer pings is
    // still pinged once per interval only. Only the pinger's thread uses it.
    private long lastPingNanos = System.nanoTime();

    BackendKeepAlive(BackendOutput toBackend, LastReadTrackingInputStream fromBackend, long intervalNanos,
                     Consumer<IOException> onPingFailed, Consumer<BackendKeepAlive> onStop) {
        this.toBackend = toBackend;
        this.fromBackend = fromBackend;
        this.intervalNanos = intervalNanos;
        this.onPingFailed = onPingFailed;
        this.onStop = onStop;
    }

    /** Pings the backend if it has been silent for the interval and the client's bytes are between two frames. */
    void check(long nowNanos) {
        if (nowNanos - Math.max(fromBackend.lastReadNanos(), lastPingNanos) < intervalNanos) {
            return;
        }
        try {
            // Amid a frame of the client's it is skipped: the next check tries again.
            if (toBackend.pingAtBoundary()) {
                lastPingNanos = nowNanos;
            }
        } catch (IOException e) {
            stop();
            onPingFailed.accept(e);
        }
    }

    /** Ends the pings: none is written once this returns. */
    void stop() {
        toBackend.stopPings();
        onStop.accept(this);
    }
}
