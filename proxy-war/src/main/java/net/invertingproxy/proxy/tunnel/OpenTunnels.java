package net.invertingproxy.proxy.tunnel;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tunnels whose client connection is switched, so that one timer can keep the idle ones
 * alive, and those still being switched, so that one the container never hands over is ended.
 * Each is an exchange of the broker, so {@code max-exchanges} bounds both.
 */
public final class OpenTunnels {
    // A container that fails to send the 101 (the client left) may never call the upgrade
    // handler, and nothing else would end the two agent legs waiting for it.
    private static final Duration SWITCH_TIMEOUT = Duration.ofSeconds(10);

    private final Set<UpgradeTunnel> open = ConcurrentHashMap.newKeySet();
    private final Map<UpgradeTunnel, Long> switching = new ConcurrentHashMap<>();
    private final long pingAfterNanos;
    private final long switchTimeoutNanos;

    /** Tunnels whose client is pinged after it was silent for {@code pingAfter}. */
    public OpenTunnels(Duration pingAfter) {
        this(pingAfter, SWITCH_TIMEOUT);
    }

    /** As {@link #OpenTunnels(Duration)}, ending a tunnel not handed over within {@code switchTimeout}. */
    public OpenTunnels(Duration pingAfter, Duration switchTimeout) {
        this.pingAfterNanos = pingAfter.toNanos();
        this.switchTimeoutNanos = switchTimeout.toNanos();
    }

    /** The servlet asked the container to switch the tunnel's client connection. */
    public void switching(UpgradeTunnel tunnel) {
        switching.put(tunnel, System.nanoTime() + switchTimeoutNanos);
    }

    void opened(UpgradeTunnel tunnel) {
        switching.remove(tunnel);
        open.add(tunnel);
    }

    void closed(UpgradeTunnel tunnel) {
        switching.remove(tunnel);
        open.remove(tunnel);
    }

    /** How many tunnels are open now. */
    public int count() {
        return open.size();
    }

    /**
     * Pings every client that has been silent too long, and ends the tunnels whose client
     * connection was never handed over; run it often compared with the ping interval.
     */
    public void pingIdle() {
        long now = System.nanoTime();
        for (UpgradeTunnel tunnel : open) {
            tunnel.pingIfIdle(now, pingAfterNanos);
        }
        switching.forEach((tunnel, deadline) -> {
            if (now - deadline > 0 && switching.remove(tunnel, deadline)) {
                tunnel.fail("the container never handed the client connection over");
            }
        });
    }
}
