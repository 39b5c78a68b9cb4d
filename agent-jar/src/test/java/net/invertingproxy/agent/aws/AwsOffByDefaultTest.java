package net.invertingproxy.agent.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * Without {@code -aws-auth} the agent loads no AWS SDK class: its flags are parsed and it starts
 * and stops in a fresh class loader that records what it loaded. With {@code -aws-auth} the same
 * run does load the SDK, which shows the record would see it.
 */
class AwsOffByDefaultTest {
    private static final String SDK = "software.amazon.";

    @Test
    void anAgentWithoutAwsAuthLoadsNoAwsClass() throws Exception {
        Set<String> sdk = sdkClassesLoadedByStartingAnAgent("-credential", "ipa_0123456789abcdef_" + "A".repeat(43));
        assertEquals(Set.of(), sdk);
    }

    @Test
    void anAgentWithAwsAuthDoesLoadTheSdk() throws Exception {
        Set<String> sdk = sdkClassesLoadedByStartingAnAgent("-aws-auth", "-aws-region", "us-east-1");
        assertFalse(sdk.isEmpty());
        assertTrue(sdk.stream().anyMatch(name -> name.startsWith(SDK + "awssdk.auth.credentials.")), sdk.toString());
    }

    // A proxy nobody listens on: the agent starts polling and backs off, which is all that is needed.
    private static Set<String> sdkClassesLoadedByStartingAnAgent(String... flags) throws Exception {
        try (RecordingClassLoader loader = new RecordingClassLoader()) {
            Class<?> configType = loader.loadClass("net.invertingproxy.agent.config.AgentConfig");
            Class<?> agentType = loader.loadClass("net.invertingproxy.agent.Agent");
            String[] args = new String[flags.length + 4];
            System.arraycopy(new String[] {"-proxy", "http://127.0.0.1:1/", "-backend", "default"}, 0, args, 0, 4);
            System.arraycopy(flags, 0, args, 4, flags.length);
            Object config = configType.getMethod("parse", String[].class).invoke(null, (Object) args);
            Object agent = agentType.getMethod("start", configType).invoke(null, config);
            Thread.sleep(300);
            Method stop = agentType.getMethod("stop", Duration.class);
            stop.invoke(agent, Duration.ofMillis(100));
            assertTrue(loader.loaded("net.invertingproxy.agent.poll.").size() > 0, "the agent ran in the loader");
            return loader.loaded(SDK);
        }
    }
}
