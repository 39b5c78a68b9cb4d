package net.invertingproxy.proxy.broker;

import java.util.concurrent.atomic.AtomicInteger;

import net.invertingproxy.proxy.failure.Failure;

/** A client end that records how it was failed, and how often. */
final class RecordingClient implements ClientSide {
    final AtomicInteger failures = new AtomicInteger();
    volatile Failure failure;
    volatile String reason;

    @Override
    public void fail(Failure failure, String reason) {
        failures.incrementAndGet();
        this.failure = failure;
        this.reason = reason;
    }
}
