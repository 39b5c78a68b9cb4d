package net.invertingproxy.proxy.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class AccessLogTest {
    @Test
    void lineIsLogfmtWithEveryField() {
        ExchangeSummary summary = new ExchangeSummary("default", "POST", "/items/7", 504, ExchangeOutcome.REFUSED,
                "no agent answered within 60 s", 12, 0, Duration.ofMillis(60_001), Duration.ofMillis(60_002), null, "-");

        assertEquals("backend=default method=POST path=/items/7 status=504 outcome=REFUSED bytes_in=12 bytes_out=0"
                + " wait_ms=60001 total_ms=60002 backend_ms=- agent=- reason=\"no agent answered within 60 s\"", AccessLog.format(summary));
    }

    @Test
    void clientControlledPathCannotForgeFieldsOrLines() {
        ExchangeSummary summary = new ExchangeSummary("default", "GET", "/a b\"status=200\nx", 200,
                ExchangeOutcome.ANSWERED, "", 0, 0, Duration.ZERO, Duration.ZERO, Duration.ofMillis(7), "10.0.0.1");

        assertEquals("backend=default method=GET path=/a\\x20b\\x22status=200\\x0ax status=200 outcome=ANSWERED"
                + " bytes_in=0 bytes_out=0 wait_ms=0 total_ms=0 backend_ms=7 agent=10.0.0.1 reason=\"\"", AccessLog.format(summary));
    }
}
