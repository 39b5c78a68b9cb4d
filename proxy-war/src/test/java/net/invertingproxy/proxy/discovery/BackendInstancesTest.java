package net.invertingproxy.proxy.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The publisher with the real SDK client against a local stand-in for Cloud Map. */
class BackendInstancesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);

    private final Map<String, Integer> agents = new ConcurrentHashMap<>();
    private FakeCloudMap cloudMap;
    private BackendInstances instances;

    @BeforeAll
    static void credentials() {
        AwsTestCredentials.install();
    }

    @AfterAll
    static void noCredentials() {
        AwsTestCredentials.remove();
    }

    @BeforeEach
    void start() throws Exception {
        cloudMap = new FakeCloudMap();
    }

    private void startPublisher(Duration updateInterval) {
        CloudMapSettings settings = new CloudMapSettings("srv-test", "eu-west-1", cloudMap.endpoint(),
                "https://proxy.example.com/", updateInterval);
        instances = BackendInstances.start(CloudMapDirectory.create(settings), id -> agents.getOrDefault(id, 0),
                () -> Set.copyOf(agents.keySet()), id -> Map.of(CloudMapInstances.PROXY_URL, settings.proxyUrl()),
                new BackendInstances.Timing(updateInterval, FIRST_RETRY, Duration.ofSeconds(1)));
    }

    @AfterEach
    void stop() {
        if (instances != null) {
            instances.close();
        }
        cloudMap.close();
    }

    private void agentsOf(String backendId, int count) {
        agents.put(backendId, count);
        instances.changed(backendId);
    }

    @Test
    void theFirstAgentRegistersAnInstanceWithTheBackendsAttributes() throws Exception {
        startPublisher(Duration.ofMinutes(1));
        agentsOf("billing", 1);
        FakeCloudMap.Call register = cloudMap.awaitCount("RegisterInstance", 1, WAIT).get(0);
        assertEquals("srv-test", register.field("ServiceId"));
        assertEquals("billing", register.field("InstanceId"));
        assertEquals(Map.of("backendId", "billing", "agentCount", "1", "proxyUrl", "https://proxy.example.com/"),
                register.attributes());
        assertEquals("application/x-amz-json-1.1", register.contentType());
        assertTrue(register.authorization().startsWith("AWS4-HMAC-SHA256 Credential=AKIDTESTTESTTESTTEST/"),
                register.authorization());
        assertTrue(register.authorization().contains("/eu-west-1/servicediscovery/aws4_request"), register.authorization());
    }

    @Test
    void aChangedAgentCountIsWrittenOncePerUpdateInterval() throws Exception {
        Duration interval = Duration.ofMillis(700);
        startPublisher(interval);
        agentsOf("billing", 1);
        cloudMap.awaitCount("RegisterInstance", 1, WAIT);
        agentsOf("billing", 2);
        agentsOf("billing", 3);
        FakeCloudMap.Call update = cloudMap.await("RegisterInstance", c -> c.attributes().get("agentCount").equals("3"), WAIT);
        List<FakeCloudMap.Call> registers = cloudMap.calls("RegisterInstance");
        assertEquals(2, registers.size(), "one registration and one coalesced update");
        assertEquals("billing", update.field("InstanceId"));
        assertTrue(update.atNanos() - registers.get(0).atNanos() >= interval.toNanos(),
                "the update waited for the interval");
    }

    @Test
    void theLastAgentLeavingDeregistersTheInstance() throws Exception {
        startPublisher(Duration.ofMinutes(1));
        agentsOf("billing", 1);
        cloudMap.awaitCount("RegisterInstance", 1, WAIT);
        agentsOf("billing", 0);
        FakeCloudMap.Call deregister = cloudMap.awaitCount("DeregisterInstance", 1, WAIT).get(0);
        assertEquals("srv-test", deregister.field("ServiceId"));
        assertEquals("billing", deregister.field("InstanceId"));
        awaitPublished("billing", 0);
    }

    @Test
    void throttlingIsRetriedWithGrowingDelaysUntilItSucceeds() throws Exception {
        startPublisher(Duration.ofMinutes(1));
        cloudMap.failNext("RegisterInstance", 2, "ThrottlingException");
        agentsOf("billing", 1);
        List<FakeCloudMap.Call> registers = cloudMap.awaitCount("RegisterInstance", 3, WAIT);
        awaitPublished("billing", 1);
        long firstGap = registers.get(1).atNanos() - registers.get(0).atNanos();
        long secondGap = registers.get(2).atNanos() - registers.get(1).atNanos();
        assertTrue(firstGap >= FIRST_RETRY.toNanos(), "first retry after " + firstGap / 1_000_000 + " ms");
        assertTrue(secondGap >= 2 * FIRST_RETRY.toNanos(), "second retry after " + secondGap / 1_000_000 + " ms");
        assertEquals(3, cloudMap.calls("RegisterInstance").size());
    }

    @Test
    void accessDeniedIsLoggedOnceAndRetriedUntilAllowed() throws Exception {
        try (LogLines log = new LogLines(BackendInstances.class)) {
            startPublisher(Duration.ofMinutes(1));
            cloudMap.failAlways("RegisterInstance", "AccessDeniedException");
            agentsOf("billing", 1);
            cloudMap.awaitCount("RegisterInstance", 4, WAIT);
            // The fake sees the fourth call before the publisher has logged its failure.
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (log.at(Level.FINE, "access denied").size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, log.at(Level.WARNING, "access denied").size(), log.at(Level.WARNING, "").toString());
            assertTrue(log.at(Level.FINE, "access denied").size() >= 3, log.at(Level.FINE, "").toString());
            assertTrue(log.at(Level.WARNING, "").get(0).contains("AccessDeniedException"));
            cloudMap.heal("RegisterInstance");
            awaitPublished("billing", 1);
            assertEquals(1, log.at(Level.WARNING, "access denied").size());
        }
    }

    @Test
    void aMissingServiceIsAKindOfItsOwn() throws Exception {
        try (LogLines log = new LogLines(BackendInstances.class)) {
            startPublisher(Duration.ofMinutes(1));
            cloudMap.failNext("RegisterInstance", 2, "ServiceNotFound");
            cloudMap.failNext("RegisterInstance", 1, "ThrottlingException");
            agentsOf("billing", 1);
            awaitPublished("billing", 1);
            assertEquals(1, log.at(Level.WARNING, "not found").size());
            assertEquals(1, log.at(Level.WARNING, "throttled").size());
            assertEquals(2, log.at(Level.WARNING, "").size());
        }
    }

    @Test
    void withdrawingDeregistersEveryInstanceAndIgnoresLaterAgents() throws Exception {
        startPublisher(Duration.ofMinutes(1));
        agentsOf("billing", 1);
        agentsOf("crm", 2);
        cloudMap.awaitCount("RegisterInstance", 2, WAIT);
        assertTrue(instances.withdrawAll(WAIT));
        List<FakeCloudMap.Call> deregisters = cloudMap.calls("DeregisterInstance");
        assertEquals(Set.of("billing", "crm"), Set.of(deregisters.get(0).field("InstanceId"),
                deregisters.get(1).field("InstanceId")));
        agentsOf("hr", 1);
        instances.close();
        instances = null;
        assertEquals(2, cloudMap.calls("RegisterInstance").size(), "no registration after the withdrawal");
    }

    @Test
    void anInstanceAlreadyGoneCountsAsDeregistered() throws Exception {
        startPublisher(Duration.ofMinutes(1));
        agentsOf("billing", 1);
        cloudMap.awaitCount("RegisterInstance", 1, WAIT);
        cloudMap.failNext("DeregisterInstance", 1, "InstanceNotFound");
        agentsOf("billing", 0);
        awaitPublished("billing", 0);
        // The publisher may note the withdrawal a moment before the fake has recorded the call.
        cloudMap.awaitCount("DeregisterInstance", 1, WAIT);
        Thread.sleep(2 * FIRST_RETRY.toMillis());
        assertEquals(1, cloudMap.calls("DeregisterInstance").size(), "not retried");
    }

    private void awaitPublished(String backendId, int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!java.util.Objects.equals(instances.published().get(backendId), count == 0 ? null : count)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("published " + instances.published() + ", wanted " + backendId + "=" + count);
            }
            Thread.sleep(10);
        }
    }
}
