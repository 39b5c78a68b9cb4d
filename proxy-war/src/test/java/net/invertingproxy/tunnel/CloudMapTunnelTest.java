package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.logging.Level;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.proxy.discovery.AwsTestCredentials;
import net.invertingproxy.proxy.discovery.BackendInstances;
import net.invertingproxy.proxy.discovery.FakeCloudMap;
import net.invertingproxy.proxy.discovery.LogLines;

/** The real proxy and agents registering their backend in a local stand-in for Cloud Map through the real SDK. */
class CloudMapTunnelTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private FakeCloudMap cloudMap;
    private Tunnel tunnel;

    @BeforeAll
    static void credentials() {
        AwsTestCredentials.install();
    }

    @AfterAll
    static void noCredentials() {
        AwsTestCredentials.remove();
    }

    @BeforeEach
    void startCloudMap() throws Exception {
        cloudMap = new FakeCloudMap();
    }

    @AfterEach
    void stop() throws Exception {
        if (tunnel != null) {
            tunnel.close();
        }
        cloudMap.close();
    }

    private Map<String, String> cloudMapSettings(String... more) {
        Map<String, String> settings = Tunnel.settings(more);
        settings.put("cloudmap-service-id", "srv-e2e");
        settings.put("cloudmap-region", "us-east-1");
        settings.put("cloudmap-endpoint", cloudMap.endpoint().toString());
        settings.put("cloudmap-update-interval-seconds", "1");
        return settings;
    }


    @Test
    void agentsConnectingAndSigningOffRegisterUpdateAndDeregisterTheBackend() throws Exception {
        tunnel = Tunnel.start(cloudMapSettings());
        FakeCloudMap.Call first = cloudMap.await("RegisterInstance", c -> true, WAIT);
        assertEquals("srv-e2e", first.field("ServiceId"));
        assertEquals("default", first.field("InstanceId"));
        assertEquals(Map.of("backendId", "default", "agentCount", "1", "routes", "/"), first.attributes());

        Agent second = Agent.start(AgentConfig.parse("-proxy", tunnel.proxy.baseUri().toString(), "-backend", "default",
                "-host", tunnel.backend.hostAndPort(), "-credential", tunnel.agentCredential()));
        try {
            cloudMap.await("RegisterInstance", c -> c.attributes().get("agentCount").equals("2"), WAIT);
        } finally {
            second.stop(Duration.ofSeconds(2));
        }
        cloudMap.await("RegisterInstance", c -> c.attributes().get("agentCount").equals("1")
                && c != first, WAIT);
        assertEquals(0, cloudMap.calls("DeregisterInstance").size(), "one agent is still there");

        tunnel.agent().stop(Duration.ofSeconds(2));
        FakeCloudMap.Call deregister = cloudMap.await("DeregisterInstance", c -> true, WAIT);
        assertEquals("srv-e2e", deregister.field("ServiceId"));
        assertEquals("default", deregister.field("InstanceId"));
        assertEquals(3, cloudMap.calls("RegisterInstance").size(), "register, 2 agents, 1 agent: nothing per poll");
    }

    @Test
    void anAgentThatFallsSilentIsDeregisteredOnceItCountsAsGone() throws Exception {
        tunnel = Tunnel.withoutAgent(cloudMapSettings("poll-hold-seconds", "1", "agent-offline-after-seconds", "1"));
        RawAgent agent = new RawAgent(tunnel.proxy.port(), "default", tunnel.agentCredential());
        assertEquals(200, agent.poll().status());
        cloudMap.await("RegisterInstance", c -> c.field("InstanceId").equals("default"), WAIT);
        // It never polls again and never signs off, as an agent whose machine died.
        FakeCloudMap.Call deregister = cloudMap.await("DeregisterInstance", c -> true, WAIT);
        assertEquals("default", deregister.field("InstanceId"));
    }

    @Test
    void theDrainingProxyDeregistersItsBackends() throws Exception {
        tunnel = Tunnel.start(cloudMapSettings());
        cloudMap.await("RegisterInstance", c -> true, WAIT);
        assertEquals(0, cloudMap.calls("DeregisterInstance").size());
        // The agent stays connected: only the drain can take the instance away.
        tunnel.proxy.stop();
        FakeCloudMap.Call deregister = cloudMap.await("DeregisterInstance", c -> true, WAIT);
        assertEquals("default", deregister.field("InstanceId"));
    }

    @Test
    void accessDeniedIsLoggedOnceAndRetriedWhileClientsAreServed() throws Exception {
        try (LogLines log = new LogLines(BackendInstances.class)) {
            cloudMap.failAlways("RegisterInstance", "AccessDeniedException");
            tunnel = Tunnel.start(cloudMapSettings());
            cloudMap.awaitCount("RegisterInstance", 3, WAIT);
            for (int i = 0; i < 5; i++) {
                int status = tunnel.client.execute(new HttpGet(tunnel.uri("/items/" + i)), response -> response.getCode());
                assertEquals(204, status, "request " + i + " through the tunnel");
            }
            assertEquals(1, log.at(Level.WARNING, "access denied").size(), log.at(Level.WARNING, "").toString());
            assertTrue(log.at(Level.FINE, "access denied").size() >= 2);
        }
    }
}
