package net.invertingproxy.proxy.discovery;

import java.time.Duration;

/** Exponential backoff between failed directory calls, doubling from a first delay up to a cap. */
final class RetryDelay {
    private final Duration first;
    private final Duration cap;
    private Duration next;

    RetryDelay(Duration first, Duration cap) {
        this.first = first;
        this.cap = cap;
        this.next = first;
    }

    /** The delay before the next attempt after one more failure. */
    Duration failed() {
        Duration delay = next;
        next = next.multipliedBy(2).compareTo(cap) > 0 ? cap : next.multipliedBy(2);
        return delay;
    }

    /** A call succeeded: the next failure waits the first delay again. */
    void succeeded() {
        next = first;
    }
}
