package net.invertingproxy.proxy.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how often the proxy publishes its per-backend request meters to CloudWatch; an empty
 * namespace turns publishing off. Plain values only, so reading them loads no AWS SDK class.
 *
 * @param namespace the CloudWatch namespace, empty for off
 * @param region the AWS region, empty for the SDK's default lookup
 * @param step how often meters are published, also the period each datum covers
 * @param endpoint another endpoint than the region's own, or {@code null}
 * @param embeddedMetricFormat whether to log Embedded Metric Format lines instead of calling the API
 */
public record CloudWatchSettings(String namespace, String region, Duration step, URI endpoint,
                                 boolean embeddedMetricFormat) {

    /** Checks that nothing is missing. */
    public CloudWatchSettings {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(step, "step");
    }

    /** Publishing off: the default. */
    public static CloudWatchSettings off() {
        return new CloudWatchSettings("", "", Duration.ofSeconds(60), null, false);
    }

    /** Whether anything is published: a namespace is set. */
    public boolean enabled() {
        return !namespace.isEmpty();
    }
}
