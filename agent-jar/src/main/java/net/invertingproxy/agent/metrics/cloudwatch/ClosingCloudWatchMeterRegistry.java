package net.invertingproxy.agent.metrics.cloudwatch;

import java.util.concurrent.ThreadFactory;

import io.micrometer.cloudwatch2.CloudWatchConfig;
import io.micrometer.cloudwatch2.CloudWatchMeterRegistry;
import io.micrometer.core.instrument.Clock;

import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;

/** Micrometer's CloudWatch registry that also closes its SDK client, once the last step is published. */
final class ClosingCloudWatchMeterRegistry extends CloudWatchMeterRegistry {
    private final CloudWatchAsyncClient client;

    ClosingCloudWatchMeterRegistry(CloudWatchConfig config, Clock clock, CloudWatchAsyncClient client,
                                   ThreadFactory threadFactory) {
        super(config, clock, client, threadFactory);
        this.client = client;
    }

    @Override
    public void close() {
        try {
            super.close();
        } finally {
            client.close();
        }
    }
}
