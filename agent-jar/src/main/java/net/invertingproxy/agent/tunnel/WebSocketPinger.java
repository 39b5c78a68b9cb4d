package net.invertingproxy.agent.tunnel;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the agent's tunnelled WebSockets alive towards their backends ({@code -websocket-ping}, see
 * {@link BackendKeepAlive}) from one daemon thread for all of them, started with the first tunnel,
 * which looks at every open tunnel four times per interval.
 */
public final class WebSocketPinger {
    private static final long MIN_DEAD_BACKEND_MILLIS = 10_000;
    // The name of the pinger's thread.
    static final String THREAD_NAME = "agent-websocket-ping";
    private static final Logger LOG = Logger.getLogger(WebSocketPinger.class.getName());
    // A look every quarter interval pings within an interval and a quarter of the backend's last byte.
    private static final int CHECKS_PER_INTERVAL = 4;

    private final long intervalNanos;
    // At most one per tunnel, so no more than -max-in-flight.
    private final Set<BackendKeepAlive> keepAlives = ConcurrentHashMap.newKeySet();
    // Guarded by this.
    private ScheduledThreadPoolExecutor checker;
    private boolean shutDown;

    /**
     * How long a switched backend may stay silent before its socket counts as dead: three ping
     * intervals, and at least 10 s, so that a very short interval does not take a slow answer for
     * a missing one; none (zero) when pings are off, so that an idle WebSocket stays open.
     */
    public int backendReadTimeoutMillis() {
        if (intervalNanos == 0) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_DEAD_BACKEND_MILLIS, intervalNanos / 1_000_000L * 3));
    }

    /** A pinger for backends silent for {@code interval}; a zero interval pings none. */
    public WebSocketPinger(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /**
     * Starts keeping one tunnel alive: pings go through {@code toBackend} while {@code fromBackend}
     * stays silent; a ping that cannot be written goes to {@code onPingFailed}, which ends the pings.
     * The caller stops the keep-alive when its client side ends.
     */
    BackendKeepAlive keepAlive(BackendOutput toBackend, LastReadTrackingInputStream fromBackend,
                               Consumer<IOException> onPingFailed) {
        BackendKeepAlive keepAlive = new BackendKeepAlive(toBackend, fromBackend, intervalNanos, onPingFailed,
                keepAlives::remove);
        if (intervalNanos > 0 && checkerRunning()) {
            keepAlives.add(keepAlive);
        }
        return keepAlive;
    }

    /** Ends the pinger's thread, for good: the agent is stopping, and tunnels still open are being broken off. */
    public synchronized void shutdown() {
        shutDown = true;
        keepAlives.clear();
        if (checker != null) {
            checker.shutdownNow();
        }
    }

    // Started on first use: an agent that never tunnels a WebSocket has no thread for it.
    private synchronized boolean checkerRunning() {
        if (shutDown) {
            return false;
        }
        if (checker == null) {
            checker = new ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, THREAD_NAME);
                thread.setDaemon(true);
                return thread;
            });
            long period = Math.max(1, intervalNanos / CHECKS_PER_INTERVAL);
            checker.scheduleWithFixedDelay(this::checkAll, period, period, TimeUnit.NANOSECONDS);
        }
        return true;
    }

    private void checkAll() {
        long now = System.nanoTime();
        for (BackendKeepAlive keepAlive : keepAlives) {
            try {
                keepAlive.check(now);
            } catch (RuntimeException e) {
                // A task that throws is never run again: one broken tunnel must not end everyone's pings.
                LOG.log(Level.WARNING, "a WebSocket keep-alive failed unexpectedly: " + e, e);
            }
        }
    }
}
