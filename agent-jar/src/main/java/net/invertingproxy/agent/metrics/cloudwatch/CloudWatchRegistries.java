package net.invertingproxy.agent.metrics.cloudwatch;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Logger;

import io.micrometer.cloudwatch2.CloudWatchConfig;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;

import net.invertingproxy.agent.config.CloudWatchOptions;

/**
 * Builds the registry that publishes the agent's request meters to CloudWatch. Its signature names
 * no AWS SDK type, so callers load the SDK only when they call it.
 */
public final class CloudWatchRegistries {
    private static final Logger LOG = Logger.getLogger(CloudWatchRegistries.class.getName());

    private CloudWatchRegistries() {
    }

    /**
     * A started registry for these options (which must be enabled), tagging every datum with the
     * backend's ID; closing it publishes the last step and frees its client.
     */
    public static MeterRegistry start(CloudWatchOptions options, String backendId) {
        MeterRegistry registry = new ClosingCloudWatchMeterRegistry(config(options), Clock.SYSTEM,
                new FailureLoggingClient(CloudWatchClients.create(options)), daemonThreads());
        PublishedMeters.applyTo(registry.config(), backendId);
        LOG.info(() -> "publishing request meters to CloudWatch namespace '" + options.namespace() + "' every "
                + options.step().toSeconds() + " s");
        return registry;
    }

    private static CloudWatchConfig config(CloudWatchOptions options) {
        return new CloudWatchConfig() {
            @Override
            public String get(String key) {
                return null;
            }

            @Override
            public String namespace() {
                return options.namespace();
            }

            @Override
            public Duration step() {
                return options.step();
            }

            // Bounds how long the publishing thread (never a request) waits for one PutMetricData.
            @Override
            public Duration readTimeout() {
                return CloudWatchClients.callTimeout(options.step());
            }
        };
    }

    private static ThreadFactory daemonThreads() {
        return task -> {
            Thread thread = new Thread(task, "cloudwatch-publisher");
            thread.setDaemon(true);
            return thread;
        };
    }
}
