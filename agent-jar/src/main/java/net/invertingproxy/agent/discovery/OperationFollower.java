package net.invertingproxy.agent.discovery;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Checks a registration's Cloud Map operation with {@code GetOperation} until it ends, a bounded
 * number of times with growing pauses, and logs a failed one as a warning: otherwise an instance
 * Cloud Map accepted and then could not register (a quota reached, a service deleted meanwhile)
 * would look registered in the agent's log.
 */
final class OperationFollower {
    private static final Logger LOG = Logger.getLogger(SelfRegistration.class.getName());

    private final Duration firstPause;
    private final Duration maxPause;
    private final int maxChecks;
    private final CountDownLatch stopped;

    /** Pauses start at {@code firstPause} and double up to {@code maxPause}; a count-down of {@code stopped} ends them. */
    OperationFollower(Duration firstPause, Duration maxPause, int maxChecks, CountDownLatch stopped) {
        this.firstPause = firstPause;
        this.maxPause = maxPause;
        this.maxChecks = maxChecks;
        this.stopped = stopped;
    }

    /** Follows the operation of the instance's registration; returns its last known state, or null if none was read. */
    OperationState follow(ServiceRegistry registry, String operationId, String instanceId) {
        OperationState state = null;
        Duration pause = firstPause;
        for (int check = 1; check <= maxChecks; check++) {
            if (!pause(pause)) {
                return state;
            }
            try {
                state = registry.operation(operationId);
            } catch (RegistryException | RuntimeException e) {
                // A failed check says nothing about the operation: the next one may.
                LOG.fine(() -> "Cloud Map: checking operation " + operationId + " failed: " + e.getMessage());
            }
            if (state != null && state.status() == OperationState.Status.SUCCESS) {
                LOG.fine(() -> "Cloud Map: operation " + operationId + " of instance '" + instanceId + "' succeeded");
                return state;
            }
            if (state != null && state.status() == OperationState.Status.FAIL) {
                String error = state.error();
                LOG.warning(() -> "Cloud Map registration of instance '" + instanceId + "' failed after it was"
                        + " accepted (operation " + operationId + "): " + error + "; the agent keeps polling"
                        + " without it");
                return state;
            }
            pause = pause.multipliedBy(2).compareTo(maxPause) > 0 ? maxPause : pause.multipliedBy(2);
        }
        LOG.info(() -> "Cloud Map: operation " + operationId + " of instance '" + instanceId + "' not finished after "
                + maxChecks + " checks; no longer followed");
        return state;
    }

    // False when the agent stops meanwhile.
    private boolean pause(Duration pause) {
        try {
            return !stopped.await(pause.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
