package net.invertingproxy.proxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class OpenTunnelsTest {
    @Test
    void aTunnelTheContainerNeverHandsOverIsEndedAsBrokenAfterTheSwitchTimeout() throws Exception {
        OpenTunnels tunnels = new OpenTunnels(Duration.ofSeconds(30), Duration.ofMillis(50));
        UpgradeTunnel tunnel = new UpgradeTunnel();
        AtomicReference<String> ended = new AtomicReference<>();
        tunnel.belongsTo("id", (clean, reason, up, down) -> ended.set(clean + " " + reason), tunnels);

        tunnels.switching(tunnel);
        tunnels.pingIdle();
        assertNull(ended.get(), "ended before its switch timeout");
        Thread.sleep(100);
        tunnels.pingIdle();

        assertEquals("false the container never handed the client connection over", ended.get());
        assertEquals(0, tunnels.count());
    }

    @Test
    void aTunnelThatEndsWhileSwitchingIsForgotten() {
        OpenTunnels tunnels = new OpenTunnels(Duration.ofSeconds(30), Duration.ofMillis(1));
        UpgradeTunnel tunnel = new UpgradeTunnel();
        AtomicReference<Integer> endings = new AtomicReference<>(0);
        tunnel.belongsTo("id", (clean, reason, up, down) -> endings.set(endings.get() + 1), tunnels);
        tunnels.switching(tunnel);

        tunnel.fail("gone");
        tunnels.pingIdle();

        assertEquals(1, endings.get(), "a tunnel must end exactly once");
    }
}
