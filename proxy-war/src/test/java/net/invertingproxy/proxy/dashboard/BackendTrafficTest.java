package net.invertingproxy.proxy.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import net.invertingproxy.proxy.broker.MutableClock;
import net.invertingproxy.proxy.observe.ExchangeOutcome;
import net.invertingproxy.proxy.observe.ExchangeSummary;

/** The last minute of traffic: rates by status class, percentiles of the latest durations, the latest errors. */
class BackendTrafficTest {
    private final MutableClock clock = new MutableClock();

    @Test
    void ratesCountTheLastMinuteOnly() {
        BackendTraffic traffic = new BackendTraffic(id -> !id.equals("-"), clock);
        for (int i = 0; i < 60; i++) {
            traffic.exchangeEnded(summary(200, 10, ExchangeOutcome.ANSWERED));
        }
        clock.advance(Duration.ofSeconds(30));
        traffic.exchangeEnded(summary(503, 1, ExchangeOutcome.REFUSED));
        traffic.exchangeEnded(summary(0, 1, ExchangeOutcome.ABORTED));

        BackendTraffic.Figures figures = traffic.figures("b");
        assertEquals(62.0 / 60, figures.requestsPerSecond(), 1e-9);
        assertEquals(1.0, figures.perSecondByClass().get("2xx"), 1e-9);
        assertEquals(1.0 / 60, figures.perSecondByClass().get("5xx"), 1e-9);
        assertEquals(1.0 / 60, figures.perSecondByClass().get("none"), 1e-9);

        clock.advance(Duration.ofSeconds(45));
        assertEquals(2.0 / 60, traffic.figures("b").requestsPerSecond(), 1e-9, "the first second's 60 are past");
    }

    @Test
    void percentilesComeFromTheLatestDurations() {
        BackendTraffic traffic = new BackendTraffic(id -> !id.equals("-"), clock);
        for (int millis = 1; millis <= 100; millis++) {
            traffic.exchangeEnded(summary(200, millis, ExchangeOutcome.ANSWERED));
        }

        BackendTraffic.Figures figures = traffic.figures("b");
        assertEquals(50, figures.p50Millis());
        assertEquals(90, figures.p90Millis());
        assertEquals(99, figures.p99Millis());
        assertEquals(-1, traffic.figures("other").p50Millis());
    }

    @Test
    void theLatestErrorsAreKeptWithTheirReasonsNewestFirst() {
        BackendTraffic traffic = new BackendTraffic(id -> !id.equals("-"), clock);
        for (int i = 0; i < BackendTraffic.RECENT_ERRORS + 5; i++) {
            traffic.exchangeEnded(summary(502, 1, ExchangeOutcome.REFUSED));
        }
        traffic.exchangeEnded(summary(404, 1, ExchangeOutcome.ANSWERED));
        traffic.exchangeEnded(summary(504, 1, ExchangeOutcome.REFUSED));

        assertEquals(BackendTraffic.RECENT_ERRORS, traffic.figures("b").recentErrors().size());
        assertEquals(504, traffic.figures("b").recentErrors().get(0).status());
        assertEquals("why 504", traffic.figures("b").recentErrors().get(0).reason());
    }

    @Test
    void requestsNoRouteTookAreNotCounted() {
        BackendTraffic traffic = new BackendTraffic(id -> !id.equals("-"), clock);

        traffic.exchangeEnded(new ExchangeSummary("-", "GET", "/nowhere", 404, ExchangeOutcome.REFUSED, "no route", 0,
                0, Duration.ZERO, Duration.ZERO, null, "-"));

        assertEquals(0.0, traffic.figures("-").requestsPerSecond(), 1e-9);
    }

    private static ExchangeSummary summary(int status, long millis, ExchangeOutcome outcome) {
        return new ExchangeSummary("b", "GET", "/x", status, outcome, "why " + status, 0, 0, Duration.ZERO,
                Duration.ofMillis(millis), null, "-");
    }
}
