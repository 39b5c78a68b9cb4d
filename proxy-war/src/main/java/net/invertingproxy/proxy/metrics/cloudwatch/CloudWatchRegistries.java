package net.invertingproxy.proxy.metrics.cloudwatch;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;

import io.micrometer.cloudwatch2.CloudWatchConfig;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;

import net.invertingproxy.proxy.config.CloudWatchSettings;

/**
 * Builds the registry that publishes the proxy's per-backend request meters to CloudWatch, by API
 * or as Embedded Metric Format lines. Its signature names no AWS SDK type, so callers load the SDK
 * only when they call it.
 */
public final class CloudWatchRegistries {
    private static final System.Logger LOG = System.getLogger(CloudWatchRegistries.class.getName());

    private CloudWatchRegistries() {
    }

    /** A started registry for these settings (which must be enabled); closing it publishes the last step and frees its client. */
    public static MeterRegistry start(CloudWatchSettings settings) {
        MeterRegistry registry;
        if (settings.embeddedMetricFormat()) {
            registry = new EmbeddedMetricFormatRegistry(settings.namespace(), settings.step(), Clock.SYSTEM,
                    daemonThreads());
        } else {
            registry = new ClosingCloudWatchMeterRegistry(config(settings), Clock.SYSTEM,
                    new FailureLoggingClient(CloudWatchClients.create(settings)), daemonThreads());
        }
        PublishedMeters.applyTo(registry.config());
        LOG.log(System.Logger.Level.INFO, "publishing per-backend request meters to CloudWatch namespace ''{0}''"
                        + " every {1} s{2}", settings.namespace(), settings.step().toSeconds(),
                settings.embeddedMetricFormat() ? " as Embedded Metric Format log lines" : "");
        return registry;
    }

    private static CloudWatchConfig config(CloudWatchSettings settings) {
        return new CloudWatchConfig() {
            @Override
            public String get(String key) {
                return null;
            }

            @Override
            public String namespace() {
                return settings.namespace();
            }

            @Override
            public Duration step() {
                return settings.step();
            }

            // Bounds how long the publishing thread (never a request) waits for one PutMetricData.
            @Override
            public Duration readTimeout() {
                return CloudWatchClients.callTimeout(settings.step());
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
