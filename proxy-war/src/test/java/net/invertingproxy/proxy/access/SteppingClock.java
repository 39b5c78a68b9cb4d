package net.invertingproxy.proxy.access;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock the test moves by hand, so expiry and retry pauses are tested without sleeping. */
final class SteppingClock extends Clock {
    private volatile Instant now = Instant.parse("2026-11-22T00:00:00Z");

    void advance(Duration duration) {
        now = now.plus(duration);
    }

    long epochSecond() {
        return now.getEpochSecond();
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
