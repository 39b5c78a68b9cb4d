package net.invertingproxy.agent.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.config.ServiceDiscovery;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.LogCapture;
import net.invertingproxy.agent.testing.Wait;

/** The agent registering its own backend (-SDnamespaceID, -SDService) with the real SDK against a local stand-in for Cloud Map. */
class AgentCloudMapRegistrationTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private FakeCloudMap cloudMap;

    @BeforeAll
    static void credentials() {
        System.setProperty("aws.accessKeyId", "AKIDTESTTESTTESTTEST");
        System.setProperty("aws.secretAccessKey", "test-secret");
    }

    @AfterAll
    static void noCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @BeforeEach
    void start() throws Exception {
        cloudMap = new FakeCloudMap();
    }

    @AfterEach
    void stop() {
        cloudMap.close();
    }

    @Test
    void theAgentRegistersItsBackendAtStartAndDeregistersItAtStop() throws Exception {
        try (FakeProxy proxy = new FakeProxy()) {
            Agent agent = Agent.start(AgentConfig.parse("-proxy", proxy.url(), "-backend", "billing",
                    "-SDnamespaceID", "ns-abc", "--SDService=billing-service", "-SDRegion", "us-east-1",
                    "-SDEndpoint", cloudMap.endpoint().toString()));
            FakeCloudMap.Call register;
            try {
                FakeCloudMap.Call list = cloudMap.awaitCount("ListServices", 1, WAIT).get(0);
                assertEquals("{\"Name\":\"NAMESPACE_ID\",\"Values\":[\"ns-abc\"]}",
                        list.body().getAsJsonArray("Filters").get(0).toString());
                register = cloudMap.awaitCount("RegisterInstance", 1, WAIT).get(0);
                assertEquals("srv-found", register.field("ServiceId"));
                Map<String, String> attributes = register.attributes();
                assertEquals("billing", attributes.get("backendId"));
                assertEquals(proxy.url().endsWith("/") ? proxy.url() : proxy.url() + "/", attributes.get("proxyUrl"));
                assertTrue(attributes.get("agentId").matches("[A-Za-z0-9_-]{16,}"), attributes.toString());
                assertEquals("billing-" + attributes.get("agentId"), register.field("InstanceId"));
                assertEquals(0, cloudMap.calls("DeregisterInstance").size());
            } finally {
                agent.stop(Duration.ofSeconds(2));
            }
            FakeCloudMap.Call deregister = cloudMap.awaitCount("DeregisterInstance", 1, WAIT).get(0);
            assertEquals("srv-found", deregister.field("ServiceId"));
            assertEquals(register.field("InstanceId"), deregister.field("InstanceId"));
        }
    }

    @Test
    void throttlingIsRetriedWithBackoffUntilItSucceeds() throws Exception {
        cloudMap.failNext("RegisterInstance", 2, "ThrottlingException");
        SelfRegistration registration = registration();
        try {
            List<FakeCloudMap.Call> registers = cloudMap.awaitCount("RegisterInstance", 3, WAIT);
            awaitRegistered(registration);
            assertTrue(registers.get(2).atNanos() - registers.get(1).atNanos()
                    >= registers.get(1).atNanos() - registers.get(0).atNanos(), "the delay grows");
            assertEquals(3, cloudMap.calls("RegisterInstance").size());
        } finally {
            registration.stop(Duration.ofSeconds(2));
        }
    }

    @Test
    void accessDeniedIsLoggedOnceAndRetried() throws Exception {
        try (LogCapture log = new LogCapture(SelfRegistration.class)) {
            cloudMap.failAlways("RegisterInstance", "AccessDeniedException");
            SelfRegistration registration = registration();
            try {
                cloudMap.awaitCount("RegisterInstance", 4, WAIT);
                assertEquals(1, log.messages(Level.WARNING).stream().filter(m -> m.contains("access denied")).count(),
                        log.messages(Level.WARNING).toString());
                assertTrue(log.messages(Level.FINE).stream().filter(m -> m.contains("access denied")).count() >= 2);
                cloudMap.heal("RegisterInstance");
                awaitRegistered(registration);
            } finally {
                registration.stop(Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void theRegistrationsOperationIsFollowedUntilItSucceeds() throws Exception {
        try (LogCapture log = new LogCapture(SelfRegistration.class)) {
            cloudMap.operationStatuses("SUBMITTED", "PENDING");
            SelfRegistration registration = registration();
            try {
                awaitLogged(log, Level.FINE, "succeeded");
                // Logged after the last check: the calls are all there.
                assertEquals(List.of("op-1", "op-1", "op-1"),
                        cloudMap.calls("GetOperation").stream().map(call -> call.field("OperationId")).toList());
                assertEquals(List.of(), log.messages(Level.WARNING));
            } finally {
                registration.stop(Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void aFailedOperationIsLoggedOnceAsAWarning() throws Exception {
        try (LogCapture log = new LogCapture(SelfRegistration.class)) {
            cloudMap.operationStatuses("PENDING", "FAIL");
            SelfRegistration registration = registration();
            try {
                awaitLogged(log, Level.WARNING, "failed after it was accepted");
                assertEquals(List.of("Cloud Map registration of instance 'billing-agent1' failed after it was accepted"
                        + " (operation op-1): INTERNAL_FAILURE: scripted failure; the agent keeps polling without it"),
                        log.messages(Level.WARNING));
                assertEquals(2, cloudMap.calls("GetOperation").size());
            } finally {
                registration.stop(Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void anOperationThatNeverEndsIsCheckedABoundedNumberOfTimes() throws Exception {
        try (LogCapture log = new LogCapture(SelfRegistration.class)) {
            cloudMap.operationStatuses("PENDING", "PENDING", "PENDING", "PENDING", "PENDING", "PENDING", "PENDING");
            SelfRegistration registration = registration();
            try {
                awaitLogged(log, Level.INFO, "not finished after 6 checks");
                // Logged after the last check: no later one can come.
                assertEquals(6, cloudMap.calls("GetOperation").size());
                assertEquals(List.of(), log.messages(Level.WARNING));
            } finally {
                registration.stop(Duration.ofSeconds(2));
            }
        }
    }

    private static void awaitLogged(LogCapture log, Level level, String text) throws InterruptedException {
        Wait.until(() -> log.messages(level).stream().anyMatch(m -> m.contains(text)), WAIT,
                "a " + level + " line with \"" + text + "\"");
    }

    private SelfRegistration registration() {
        ServiceDiscovery target = new ServiceDiscovery("", "srv-direct", "us-east-1", cloudMap.endpoint().toString());
        return SelfRegistration.start(() -> CloudMapRegistry.create(target), "billing-agent1",
                Map.of("backendId", "billing"), Duration.ofMillis(50), Duration.ofMillis(400));
    }

    private static void awaitRegistered(SelfRegistration registration) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!registration.isRegistered()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not registered within " + WAIT);
            }
            Thread.sleep(10);
        }
    }
}
