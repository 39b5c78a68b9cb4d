package net.invertingproxy.agent.health;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.invertingproxy.agent.config.AgentConfig;

import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.core5.http.HttpHost;

/**
 * Checks the backend with {@code GET -health-check-path} every {@code -health-check-interval-seconds},
 * as the Go agent does: a check passes only if the answer, after redirects, is 200. A gate that
 * starts closed opens at the first pass, so polling starts only once the backend is healthy. After
 * {@code -health-check-unhealthy-threshold} failures in a row (or no answer within the interval) it
 * closes the {@link HealthGate} and the agent stops polling, where the Go agent would exit; the
 * first check that passes opens it again. Each change is logged once.
 */
public final class HealthChecker {
    private static final Logger LOG = Logger.getLogger(HealthChecker.class.getName());

    private final HttpHost backend;
    private final String path;
    private final long intervalMillis;
    private final int threshold;
    private final HealthProbe probe;
    private final HealthGate gate;
    private final ScheduledExecutorService scheduler;
    // Touched by the scheduler thread only, after start().
    private int consecutiveFailures;
    private boolean awaitingFirstPass;

    /** A checker of the configured backend path, sharing the backend client. */
    public HealthChecker(AgentConfig config, CloseableHttpAsyncClient client, HealthGate gate) {
        this.backend = config.backendHost();
        this.path = config.healthCheckPath();
        this.intervalMillis = config.healthCheckInterval().toMillis();
        this.threshold = config.healthCheckUnhealthyThreshold();
        // A check slower than the interval counts as failed.
        this.probe = new HealthProbe(client, backend, path, config.healthCheckInterval());
        this.gate = gate;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "agent-health-check");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Checks now and then every interval. */
    public void start() {
        awaitingFirstPass = !gate.isHealthy();
        if (awaitingFirstPass) {
            LOG.info(() -> "waiting for backend " + backend + " to pass its health check " + path + " before polling");
        }
        scheduler.scheduleWithFixedDelay(this::checkAndRecord, 0, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Stops checking. */
    public void stop() {
        scheduler.shutdownNow();
    }

    private void checkAndRecord() {
        String failure = check();
        if (failure == null) {
            passed();
        } else {
            failed(failure);
        }
    }

    /** Runs one check; returns why it failed, or {@code null} if it passed. */
    private String check() {
        try {
            return probe.run();
        } catch (TimeoutException e) {
            return "no answer within " + intervalMillis + " ms";
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            LOG.log(Level.FINE, "health check failure details", cause);
            return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        } catch (InterruptedException e) {
            // stop() interrupts a check in progress.
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "health check failure details", e);
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    private void passed() {
        consecutiveFailures = 0;
        if (!gate.isHealthy()) {
            gate.setHealthy(true);
            String polling = awaitingFirstPass ? "polling started" : "polling resumed";
            LOG.info(() -> "backend " + backend + " passed its health check " + path + "; " + polling);
        }
        awaitingFirstPass = false;
    }

    private void failed(String why) {
        consecutiveFailures++;
        LOG.fine(() -> "health check " + path + " failed (" + why + "), " + consecutiveFailures + " in a row");
        if (awaitingFirstPass && consecutiveFailures == 1) {
            LOG.warning(() -> "backend " + backend + " failed its health check " + path + " (" + why
                    + "); polling starts once a check passes");
        } else if (consecutiveFailures >= threshold && gate.isHealthy()) {
            gate.setHealthy(false);
            LOG.warning(() -> "backend " + backend + " failed " + consecutiveFailures + " health checks in a row (last: "
                    + why + "); polling stopped until a check passes");
        }
    }
}
