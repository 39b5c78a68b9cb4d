package net.invertingproxy.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GoDurationTest {
    @Test
    void parsesGoSpellings() {
        assertEquals(Duration.ofSeconds(60), GoDuration.parse("60s"));
        assertEquals(Duration.ofMinutes(1), GoDuration.parse("1m"));
        assertEquals(Duration.ofMillis(500), GoDuration.parse("500ms"));
        assertEquals(Duration.ofMinutes(90), GoDuration.parse("1h30m"));
        assertEquals(Duration.ofMillis(1500), GoDuration.parse("1.5s"));
        assertEquals(Duration.ofMillis(500), GoDuration.parse(".5s"));
        assertEquals(Duration.ofNanos(2_003_004), GoDuration.parse("2ms3us4ns"));
        assertEquals(Duration.ofNanos(7_000), GoDuration.parse("7\u00b5s"));
        assertEquals(Duration.ZERO, GoDuration.parse("0"));
        assertEquals(Duration.ofSeconds(-3), GoDuration.parse("-3s"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "60", "s", "1x", "1 s", "1s2", "--1s", "1e3s", "99999999999999h"})
    void refusesWhatGoRefuses(String text) {
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(text));
    }

    @Test
    void formatsTheWayGoPrints() {
        assertEquals("50s", GoDuration.format(Duration.ofSeconds(50)));
        assertEquals("1m30s", GoDuration.format(Duration.ofSeconds(90)));
        assertEquals("1h0m0s", GoDuration.format(Duration.ofHours(1)));
        assertEquals("300ms", GoDuration.format(Duration.ofMillis(300)));
        assertEquals("1.5s", GoDuration.format(Duration.ofMillis(1500)));
        assertEquals("0s", GoDuration.format(Duration.ZERO));
        assertEquals("1.25ms", GoDuration.format(Duration.ofNanos(1_250_000)));
    }
}
