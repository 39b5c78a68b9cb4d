package net.invertingproxy.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import net.invertingproxy.agent.aws.RecordingClassLoader;
import net.invertingproxy.agent.discovery.FakeCloudMap;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.Wait;

/**
 * With none of its three AWS features asked for (no {@code -aws-auth}, no {@code -SDService}, no
 * {@code -cloudwatch-namespace}) the agent loads no AWS SDK class from start, through polling, to
 * stop. It runs in a fresh class loader that records every class it defines; each feature turned
 * on alone, in the same loader, shows its own SDK client loaded, so the record is proven to see them.
 */
class AwsFeaturesOffByDefaultTest {
    private static final String SDK = "software.amazon.awssdk.";
    private static final Duration WAIT = Duration.ofSeconds(10);
    // Refuses connections at once: the features below load the SDK before they call anything.
    private static final String NOBODY = "http://127.0.0.1:1/";

    @BeforeAll
    static void credentials() {
        // The SDK's default lookup reads these first; no AWS configuration of the machine is used.
        System.setProperty("aws.accessKeyId", "AKIDTESTTESTTESTTEST");
        System.setProperty("aws.secretAccessKey", "test-secret");
    }

    @AfterAll
    static void noCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @Test
    void anAgentWithNoAwsFeatureLoadsNoSdkClass() throws Exception {
        RecordingClassLoader loader;
        try (FakeProxy proxy = new FakeProxy();
             IsolatedAgent agent = IsolatedAgent.start(proxy.url(), "-credential", "ipa_0123456789abcdef_" + "A".repeat(43))) {
            loader = agent.loader;
            // Two polls: start-up is over and the poll loop went round once.
            Wait.until(() -> proxy.polls() >= 2, WAIT, "the agent polls");
        }
        assertFalse(loader.loaded("net.invertingproxy.agent.poll.").isEmpty(), "the agent ran in the loader");
        assertEquals(Set.of(), loader.loaded(SDK));
    }

    @Test
    void awsAuthAloneLoadsTheSdk() throws Exception {
        Set<String> sdk;
        try (IsolatedAgent agent = IsolatedAgent.start(NOBODY, "-aws-auth", "-aws-region", "us-east-1")) {
            sdk = agent.loader.loaded(SDK);
        }
        assertTrue(sdk.stream().anyMatch(name -> name.startsWith(SDK + "auth.")), sdk.toString());
    }

    @Test
    void aCloudWatchNamespaceAloneLoadsTheSdk() throws Exception {
        Set<String> sdk;
        try (IsolatedAgent agent = IsolatedAgent.start(NOBODY, "-cloudwatch-namespace", "Agent",
                "-cloudwatch-region", "us-east-1", "-cloudwatch-endpoint", "http://127.0.0.1:1")) {
            sdk = agent.loader.loaded(SDK);
        }
        assertTrue(sdk.stream().anyMatch(name -> name.startsWith(SDK + "services.cloudwatch.")), sdk.toString());
    }

    @Test
    void anSdServiceAloneLoadsTheSdk() throws Exception {
        Set<String> sdk;
        try (FakeCloudMap cloudMap = new FakeCloudMap();
             IsolatedAgent agent = IsolatedAgent.start(NOBODY, "-SDService", "srv-abc", "-SDRegion", "us-east-1",
                     "-SDEndpoint", cloudMap.endpoint().toString())) {
            // Registration runs on a thread of its own: its call shows it got as far as the SDK.
            cloudMap.awaitCount("RegisterInstance", 1, WAIT);
            sdk = agent.loader.loaded(SDK);
        }
        assertTrue(sdk.stream().anyMatch(name -> name.startsWith(SDK + "services.servicediscovery.")), sdk.toString());
    }

    /** An agent started, through reflection, in a class loader of its own; closing it stops the agent. */
    private static final class IsolatedAgent implements AutoCloseable {
        final RecordingClassLoader loader;
        private final Object agent;

        private IsolatedAgent(RecordingClassLoader loader, Object agent) {
            this.loader = loader;
            this.agent = agent;
        }

        static IsolatedAgent start(String proxyUrl, String... flags) throws Exception {
            RecordingClassLoader loader = new RecordingClassLoader();
            List<String> args = new ArrayList<>(List.of("-proxy", proxyUrl, "-backend", "default"));
            args.addAll(List.of(flags));
            Class<?> configType = loader.loadClass("net.invertingproxy.agent.config.AgentConfig");
            Object config = configType.getMethod("parse", String[].class)
                    .invoke(null, (Object) args.toArray(String[]::new));
            Object agent = loader.loadClass("net.invertingproxy.agent.Agent").getMethod("start", configType)
                    .invoke(null, config);
            return new IsolatedAgent(loader, agent);
        }

        @Override
        public void close() throws Exception {
            try {
                agent.getClass().getMethod("stop", Duration.class).invoke(agent, Duration.ofSeconds(1));
            } finally {
                loader.close();
            }
        }
    }
}
