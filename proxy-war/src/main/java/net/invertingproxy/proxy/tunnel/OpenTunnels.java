package net.invertingproxy.proxy.tunnel;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tunnels whose client connection is switched, so that one timer can keep the idle ones
 * alive. Each is an exchange of the broker, so {@code max-exchanges} bounds the set.
 */
public final class OpenTunnels {
    private final Set<UpgradeTunnel> open = ConcurrentHashMap.newKeySet();
    private final long pingAfterNanos;

    /** Tunnels whose client is pinged after it was silent for {@code pingAfter}. */
    public OpenTunnels(Duration pingAfter) {
        this.pingAfterNanos = pingAfter.toNanos();
    }

    void opened(UpgradeTunnel tunnel) {
        open.add(tunnel);
    }

    void closed(UpgradeTunnel tunnel) {
        open.remove(tunnel);
    }

    /** How many tunnels are open now. */
    public int count() {
        return open.size();
    }

    /** Pings every client that has been silent too long; run it often compared with the ping interval. */
    public void pingIdle() {
        long now = System.nanoTime();
        for (UpgradeTunnel tunnel : open) {
            tunnel.pingIfIdle(now, pingAfterNanos);
        }
    }
}
