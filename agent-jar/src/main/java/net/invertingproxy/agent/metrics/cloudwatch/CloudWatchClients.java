package net.invertingproxy.agent.metrics.cloudwatch;

import java.time.Duration;

import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClientBuilder;

import net.invertingproxy.agent.config.CloudWatchOptions;

/** Builds the SDK's asynchronous CloudWatch client for the configured region and endpoint. */
final class CloudWatchClients {
    private static final Duration MAX_CALL_TIMEOUT = Duration.ofSeconds(30);
    // One publication a step sends a few batches; more connections would only hold sockets open.
    private static final int MAX_CONNECTIONS = 4;

    private CloudWatchClients() {
    }

    /** A client with the SDK's default credentials lookup, the given region (else its default lookup) and endpoint. */
    static CloudWatchAsyncClient create(CloudWatchOptions settings) {
        Duration timeout = callTimeout(settings.step());
        CloudWatchAsyncClientBuilder builder = CloudWatchAsyncClient.builder()
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .maxConcurrency(MAX_CONNECTIONS)
                        .connectionTimeout(Duration.ofSeconds(5)))
                // No retries: a throttled or failed step is dropped, as retrying a throttling API only
                // adds load, and the next step brings fresh data anyway. The timeout ends the call
                // before the next step's publication starts.
                .overrideConfiguration(override -> override.apiCallTimeout(timeout)
                        .retryStrategy(AwsRetryStrategy.doNotRetry()));
        if (!settings.region().isEmpty()) {
            builder.region(Region.of(settings.region()));
        }
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        return builder.build();
    }

    /** How long one publication may take, retries included: under a step, at most 30 s. */
    static Duration callTimeout(Duration step) {
        Duration underStep = step.multipliedBy(4).dividedBy(5);
        return underStep.compareTo(MAX_CALL_TIMEOUT) > 0 ? MAX_CALL_TIMEOUT : underStep;
    }
}
