package net.invertingproxy.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The {@code -cloudwatch-*} and {@code -SD*} flags: a value AWS would refuse (or the SDK would take
 * and fail with on its first call, on a background thread) stops the agent with one line naming
 * the flag and the value; well-formed values come through unchanged.
 */
class AwsFeatureFlagsTest {

    @Test
    void endpointsMustBeHttpUrlsWithAHost() {
        assertEquals("-cloudwatch-endpoint must be an http(s) URL, got \"vpce-0123.monitoring\"",
                error("-cloudwatch-namespace", "Agent", "-cloudwatch-endpoint", "vpce-0123.monitoring"));
        assertEquals("-cloudwatch-endpoint must be an http(s) URL, got \"http:example.com\"",
                error("-cloudwatch-namespace", "Agent", "-cloudwatch-endpoint", "http:example.com"));
        assertEquals("invalid value \"http://[::1\" for flag -cloudwatch-endpoint: not a URL: Expected closing bracket"
                + " for IPv6 address", error("-cloudwatch-endpoint", "http://[::1"));
        assertEquals("-SDEndpoint must be an http(s) URL, got \"ftp://example.com/\"",
                error("-SDService", "srv-abc", "-SDEndpoint", "ftp://example.com/"));
        assertEquals("-SDEndpoint must be an http(s) URL, got \"http:example.com\"",
                error("-SDService", "srv-abc", "-SDEndpoint", "http:example.com"));
    }

    @Test
    void theStepIsAtLeastOneSecond() {
        assertEquals("-cloudwatch-step must be at least 1s, got 500ms",
                error("-cloudwatch-namespace", "Agent", "-cloudwatch-step", "500ms"));
        assertEquals("-cloudwatch-step must be at least 1s, got -1m0s",
                error("-cloudwatch-namespace", "Agent", "-cloudwatch-step", "-1m"));
        assertEquals("invalid value \"60\" for flag -cloudwatch-step: invalid duration \"60\" (use a unit: ns, us,"
                + " ms, s, m, h)", error("-cloudwatch-step", "60"));
    }

    @Test
    void regionsMustLookLikeAwsRegions() {
        assertEquals("-cloudwatch-region must be an AWS region such as eu-west-1, got \"EU West\"",
                error("-cloudwatch-namespace", "Agent", "-cloudwatch-region", "EU West"));
        assertEquals("-SDRegion must be an AWS region such as eu-west-1, got \"eu_west_1\"",
                error("-SDService", "srv-abc", "-SDRegion", "eu_west_1"));
    }

    @Test
    void theCloudWatchNamespaceFollowsCloudWatchsRules() {
        String rule = "-cloudwatch-namespace must be a CloudWatch namespace: up to 255 letters, digits, spaces and"
                + " . - _ / # :, not starting with AWS/";
        assertEquals(rule + ", got \"AWS/EC2\"", error("-cloudwatch-namespace", "AWS/EC2"));
        assertEquals(rule + ", got \"Agent;prod\"", error("-cloudwatch-namespace", "Agent;prod"));
        assertEquals(rule + ", got \"" + "N".repeat(256) + "\"", error("-cloudwatch-namespace", "N".repeat(256)));
    }

    @Test
    void aServiceNameNeedsACloudMapNamespaceId() {
        assertEquals("-SDService names a service (billing): -SDnamespaceID must say in which namespace",
                error("-SDService", "billing"));
        assertEquals("-SDnamespaceID must be a Cloud Map namespace ID such as ns-e4anhexample0004,"
                + " got \"my-namespace\"", error("-SDService", "billing", "-SDnamespaceID", "my-namespace"));
    }

    @Test
    void wellFormedValuesComeThroughUnchanged() throws Exception {
        AgentConfig config = AgentConfig.parse("-proxy", "http://h/", "-backend", "b",
                "-cloudwatch-namespace", "Inverting Proxy/agent#1", "-cloudwatch-region", "us-gov-west-1",
                "-cloudwatch-step", "1m30s", "-cloudwatch-endpoint", "https://monitoring.example.com",
                "-SDnamespaceID", "ns-e4anhexample0004", "-SDService", "billing", "-SDRegion", "cn-north-1",
                "-SDEndpoint", "http://127.0.0.1:4566");

        assertEquals(new CloudWatchOptions("Inverting Proxy/agent#1", "us-gov-west-1", Duration.ofSeconds(90),
                URI.create("https://monitoring.example.com")), config.cloudWatch());
        assertEquals(new ServiceDiscovery("ns-e4anhexample0004", "billing", "cn-north-1", "http://127.0.0.1:4566"),
                config.serviceDiscovery());
    }

    // The one-line refusal of the flags, after the two required ones.
    private static String error(String... flags) {
        List<String> args = new ArrayList<>(List.of("-proxy", "http://h/", "-backend", "b"));
        args.addAll(List.of(flags));
        UsageException e = assertThrows(UsageException.class, () -> AgentConfig.parse(args.toArray(String[]::new)));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }
}
