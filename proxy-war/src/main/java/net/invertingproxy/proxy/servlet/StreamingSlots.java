package net.invertingproxy.proxy.servlet;

import java.util.concurrent.Semaphore;

/**
 * Bounds the agent calls that move a body, because each holds a container thread while it does:
 * without a bound, enough long streams would leave no thread for polls and health checks.
 */
final class StreamingSlots {
    private final Semaphore slots;

    StreamingSlots(int size) {
        this.slots = new Semaphore(size);
    }

    /** Takes a slot if one is free. */
    boolean tryTake() {
        return slots.tryAcquire();
    }

    /** Gives back a slot taken with {@link #tryTake()}. */
    void giveBack() {
        slots.release();
    }
}
