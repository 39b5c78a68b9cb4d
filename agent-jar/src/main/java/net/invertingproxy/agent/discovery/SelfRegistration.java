package net.invertingproxy.agent.discovery;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Registers the agent's backend once, on a thread of its own, retrying with exponential backoff
 * until it succeeds or the agent stops, then follows Cloud Map's operation until it ends (a bounded
 * number of checks); deregisters it at stop. Polling never waits for it, and each kind of failure is
 * logged as a warning once, later ones at debug level.
 */
public final class SelfRegistration {
    private static final Logger LOG = Logger.getLogger(SelfRegistration.class.getName());
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofMinutes(1);
    // With pauses of 1, 2, 4, 8, 16 and 30 s: Cloud Map usually ends a registration in seconds.
    private static final int OPERATION_CHECKS = 6;
    private static final Duration MAX_OPERATION_PAUSE = Duration.ofSeconds(30);

    /** Makes the registry; with the SDK this looks up region and credentials, so it runs on the thread. */
    @FunctionalInterface
    interface RegistryFactory {
        ServiceRegistry create() throws RegistryException;
    }

    private final RegistryFactory factory;
    private final String instanceId;
    private final Map<String, String> attributes;
    private final Duration firstRetry;
    private final Duration maxRetry;
    private final OperationFollower operations;
    private final Set<RegistryException.Kind> reported = EnumSet.noneOf(RegistryException.Kind.class);
    private final Thread thread;
    // Counted down at stop: ends the wait between attempts but never interrupts a call, whose
    // outcome (registered or not) the deregistration must know.
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile ServiceRegistry registry;
    private volatile boolean registered;
    private volatile boolean stopping;

    SelfRegistration(RegistryFactory factory, String instanceId, Map<String, String> attributes,
                     Duration firstRetry, Duration maxRetry) {
        this.factory = factory;
        this.instanceId = instanceId;
        this.attributes = Map.copyOf(attributes);
        this.firstRetry = firstRetry;
        this.maxRetry = maxRetry;
        this.operations = new OperationFollower(firstRetry, maxRetry.compareTo(MAX_OPERATION_PAUSE) < 0 ? maxRetry
                : MAX_OPERATION_PAUSE, OPERATION_CHECKS, stopped);
        this.thread = new Thread(this::registerUntilDone, "agent-cloudmap");
        thread.setDaemon(true);
    }

    static SelfRegistration start(RegistryFactory factory, String instanceId, Map<String, String> attributes) {
        return start(factory, instanceId, attributes, FIRST_RETRY, MAX_RETRY);
    }

    static SelfRegistration start(RegistryFactory factory, String instanceId, Map<String, String> attributes,
                                  Duration firstRetry, Duration maxRetry) {
        SelfRegistration registration = new SelfRegistration(factory, instanceId, attributes, firstRetry, maxRetry);
        registration.thread.start();
        return registration;
    }

    /** Whether the instance is registered. */
    public boolean isRegistered() {
        return registered;
    }

    /**
     * Stops retrying and deregisters the instance if it was registered, waiting up to
     * {@code timeout} for Cloud Map; a stop never waits longer.
     */
    public void stop(Duration timeout) {
        stopping = true;
        stopped.countDown();
        long deadline = System.nanoTime() + timeout.toNanos();
        join(thread, deadline);
        if (registered) {
            Thread deregistration = new Thread(this::deregister, "agent-cloudmap-deregister");
            deregistration.setDaemon(true);
            deregistration.start();
            join(deregistration, deadline);
            if (deregistration.isAlive()) {
                LOG.warning(() -> "Cloud Map: instance '" + instanceId + "' not deregistered within "
                        + timeout.toMillis() + " ms");
            }
        }
        ServiceRegistry current = registry;
        if (current != null && !registered) {
            current.close();
        }
    }

    private void registerUntilDone() {
        Duration delay = firstRetry;
        while (!stopping) {
            try {
                if (registry == null) {
                    registry = factory.create();
                }
                String operationId = registry.register(instanceId, attributes);
                registered = true;
                LOG.info(() -> "Cloud Map: registered instance '" + instanceId + "' " + attributes);
                if (operationId != null) {
                    operations.follow(registry, operationId, instanceId);
                }
                return;
            } catch (RegistryException | RuntimeException e) {
                RegistryException failure = e instanceof RegistryException r ? r
                        : new RegistryException(RegistryException.Kind.OTHER, e.toString(), e);
                logFailure("registration", failure, delay);
            }
            try {
                if (stopped.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            delay = delay.multipliedBy(2).compareTo(maxRetry) > 0 ? maxRetry : delay.multipliedBy(2);
        }
    }

    private void deregister() {
        try {
            registry.deregister(instanceId);
            registered = false;
            LOG.info(() -> "Cloud Map: deregistered instance '" + instanceId + "'");
        } catch (RegistryException | RuntimeException e) {
            RegistryException failure = e instanceof RegistryException r ? r
                    : new RegistryException(RegistryException.Kind.OTHER, e.toString(), e);
            logFailure("deregistration", failure, null);
        } finally {
            registry.close();
        }
    }

    private synchronized void logFailure(String action, RegistryException e, Duration retry) {
        boolean first = reported.add(e.kind());
        String line = "Cloud Map " + action + " of instance '" + instanceId + "' " + e.kind().text() + ": "
                + e.getMessage() + (retry == null ? "" : "; retrying in " + retry.toMillis() + " ms")
                + (first ? " (further '" + e.kind().text() + "' failures are logged at debug level)" : "");
        LOG.log(first ? Level.WARNING : Level.FINE, line);
    }

    private static void join(Thread thread, long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            return;
        }
        try {
            thread.join(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
