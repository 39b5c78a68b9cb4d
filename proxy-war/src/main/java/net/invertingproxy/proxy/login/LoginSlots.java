package net.invertingproxy.proxy.login;

import java.util.concurrent.Semaphore;

import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * Bounds the AWS logins being checked at once. Each waits for STS and IAM on a container thread,
 * up to about 13 s while AWS is slow, so without a bound a crowd of agents logging in (a restart
 * of many, or one misconfigured and retrying) could leave no thread for polls and clients. A login
 * beyond the bound is refused at once with 503; the agent backs off and tries again.
 */
final class LoginSlots {
    private final Semaphore slots;

    LoginSlots(int size) {
        this.slots = new Semaphore(size);
    }

    /** Takes a slot, or throws the 503 to answer if all are held. */
    void take() throws FailureException {
        if (!slots.tryAcquire()) {
            throw new FailureException(Failure.LOGINS_AT_CAPACITY);
        }
    }

    /** Gives back a slot taken with {@link #take()}. */
    void giveBack() {
        slots.release();
    }
}
