package net.invertingproxy.agent.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.Test;

class BackoffTest {
    /** A Random whose nextDouble is always the given value. */
    private static Random fixed(double value) {
        return new Random() {
            private static final long serialVersionUID = 1L;

            @Override
            public double nextDouble() {
                return value;
            }
        };
    }

    @Test
    void doublesUpToTheCapWithoutJitter() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(3), 0.1, fixed(0.5));
        long[] expected = {100, 200, 400, 800, 1600, 3000, 3000};
        for (long millis : expected) {
            assertEquals(Duration.ofMillis(millis), backoff.next());
        }
    }

    @Test
    void jitterMovesEachDelayByAtMostTenPercent() {
        Backoff low = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(3), 0.1, fixed(0.0));
        Backoff high = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(3), 0.1, fixed(0.999999999));
        assertEquals(Duration.ofMillis(90), low.next());
        assertEquals(Duration.ofMillis(180), low.next());
        assertEquals(Duration.ofMillis(110), high.next());
        assertEquals(Duration.ofMillis(220), high.next());
    }

    @Test
    void realJitterStaysWithinBounds() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(3), 0.1, new Random(42));
        long nominal = 100;
        for (int i = 0; i < 50; i++) {
            long millis = backoff.next().toMillis();
            assertTrue(millis >= nominal * 0.9 - 1 && millis <= nominal * 1.1 + 1, i + ": " + millis);
            nominal = Math.min(nominal * 2, 3000);
        }
    }

    @Test
    void resetStartsOver() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(3), 0.1, fixed(0.5));
        backoff.next();
        backoff.next();
        backoff.reset();
        assertEquals(Duration.ofMillis(100), backoff.next());
    }

    @Test
    void standardIsTheDocumentedOne() {
        assertEquals(Duration.ofMillis(100), Backoff.INITIAL);
        assertEquals(Duration.ofSeconds(3), Backoff.MAX);
        Duration first = Backoff.standard().next();
        assertTrue(first.toMillis() >= 90 && first.toMillis() <= 110, first.toString());
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class,
                () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0.1, new Random()));
        assertThrows(IllegalArgumentException.class,
                () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0.1, new Random()));
        assertThrows(IllegalArgumentException.class,
                () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 1.0, new Random()));
    }
}
