package net.invertingproxy.agent.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how often the agent publishes its request meters to CloudWatch ({@code -cloudwatch-*}
 * flags); an empty namespace turns publishing off. Plain values only, so reading them loads no AWS
 * SDK class.
 *
 * @param namespace the CloudWatch namespace, empty for off
 * @param region the AWS region, empty for the SDK's default lookup
 * @param step how often meters are published, also the period each datum covers
 * @param endpoint another endpoint than the region's own, or {@code null}
 */
public record CloudWatchOptions(String namespace, String region, Duration step, URI endpoint) {

    /** Checks the values as the flags' error messages describe them. */
    public CloudWatchOptions {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(step, "step");
        if (!namespace.isEmpty() && !AwsNames.isCloudWatchNamespace(namespace)) {
            throw new IllegalArgumentException("-cloudwatch-namespace " + AwsNames.CLOUDWATCH_NAMESPACE_RULE
                    + ", got \"" + namespace + "\"");
        }
        if (!AwsNames.isEmptyOrRegion(region)) {
            throw new IllegalArgumentException("-cloudwatch-region " + AwsNames.REGION_RULE + ", got \"" + region + "\"");
        }
        // CloudWatch stores nothing finer than a second (its high-resolution metrics).
        if (step.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("-cloudwatch-step must be at least 1s, got " + GoDuration.format(step));
        }
        if (endpoint != null && (endpoint.getHost() == null
                || !("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme())))) {
            throw new IllegalArgumentException("-cloudwatch-endpoint must be an http(s) URL, got \"" + endpoint + "\"");
        }
    }

    /** Publishing off: the default. */
    public static CloudWatchOptions off() {
        return new CloudWatchOptions("", "", Duration.ofSeconds(60), null);
    }

    /** Whether anything is published: a namespace is set. */
    public boolean enabled() {
        return !namespace.isEmpty();
    }
}
