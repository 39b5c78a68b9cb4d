package net.invertingproxy.agent.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class WebSocketPingerTest {
    @Test
    void aBackendSilentForThreeIntervalsButAtLeastTenSecondsIsTakenForGone() {
        assertEquals(90_000, new WebSocketPinger(Duration.ofSeconds(30)).backendReadTimeoutMillis());
        assertEquals(10_000, new WebSocketPinger(Duration.ofMillis(200)).backendReadTimeoutMillis());
    }

    @Test
    void withoutPingsAnIdleBackendIsNeverTimedOut() {
        assertEquals(0, new WebSocketPinger(Duration.ZERO).backendReadTimeoutMillis());
    }
}
