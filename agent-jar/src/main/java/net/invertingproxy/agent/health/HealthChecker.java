package net.invertingproxy.agent.health;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.invertingproxy.agent.config.AgentConfig;

import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;
import org.apache.hc.core5.util.Timeout;

/**
 * Checks the backend with {@code GET -health-check-path} every {@code -health-check-interval-seconds}.
 * After {@code -health-check-unhealthy-threshold} failures in a row (a status outside 2xx, or no
 * answer within the interval) it closes the {@link HealthGate} and the agent stops polling; the
 * first check that passes opens it again. Each change is logged once.
 */
public final class HealthChecker {
    private static final Logger LOG = Logger.getLogger(HealthChecker.class.getName());

    private final HttpHost backend;
    private final String path;
    private final long intervalMillis;
    private final int threshold;
    private final CloseableHttpAsyncClient client;
    private final HealthGate gate;
    private final RequestConfig checkConfig;
    private final ScheduledExecutorService scheduler;
    // Touched by the scheduler thread only.
    private int consecutiveFailures;

    /** A checker of the configured backend path, sharing the backend client. */
    public HealthChecker(AgentConfig config, CloseableHttpAsyncClient client, HealthGate gate) {
        this.backend = config.backendHost();
        this.path = config.healthCheckPath();
        this.intervalMillis = config.healthCheckInterval().toMillis();
        this.threshold = config.healthCheckUnhealthyThreshold();
        this.client = client;
        this.gate = gate;
        Timeout timeout = Timeout.ofMilliseconds(intervalMillis);
        // A check slower than the interval counts as failed.
        this.checkConfig = RequestConfig.custom()
                .setConnectionRequestTimeout(timeout)
                .setResponseTimeout(timeout)
                .setRedirectsEnabled(false)
                .setAuthenticationEnabled(false)
                .setProtocolUpgradeEnabled(false)
                .setContentCompressionEnabled(false)
                .build();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "agent-health-check");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Checks now and then every interval. */
    public void start() {
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
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(checkConfig);
        Future<Message<HttpResponse, Void>> answer = null;
        try {
            // The answer's body, if any, is read and dropped; only its status counts.
            answer = client.execute(new BasicRequestProducer("GET", backend, path),
                    new BasicResponseConsumer<>(new DiscardingEntityConsumer<>()), context, null);
            int status = answer.get(intervalMillis, TimeUnit.MILLISECONDS).getHead().getCode();
            return status >= 200 && status < 300 ? null : "status " + status;
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
        } finally {
            // A check that is not done by now is abandoned, its connection closed rather than drained.
            if (answer != null) {
                answer.cancel(true);
            }
        }
    }

    private void passed() {
        consecutiveFailures = 0;
        if (!gate.isHealthy()) {
            gate.setHealthy(true);
            LOG.info(() -> "backend " + backend + " passed its health check " + path + "; polling resumed");
        }
    }

    private void failed(String why) {
        consecutiveFailures++;
        LOG.fine(() -> "health check " + path + " failed (" + why + "), " + consecutiveFailures + " in a row");
        if (consecutiveFailures >= threshold && gate.isHealthy()) {
            gate.setHealthy(false);
            LOG.warning(() -> "backend " + backend + " failed " + consecutiveFailures + " health checks in a row (last: "
                    + why + "); polling stopped until a check passes");
        }
    }
}
