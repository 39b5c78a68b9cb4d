package net.invertingproxy.agent.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.health.HealthGate;
import net.invertingproxy.agent.proxy.ProxyClient;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.LogCapture;
import net.invertingproxy.agent.testing.Wait;
import net.invertingproxy.protocol.PendingRequest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PollLoopTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final List<String> dispatched = new CopyOnWriteArrayList<>();
    private final List<PendingRequest> entries = new CopyOnWriteArrayList<>();
    private final HealthGate health = new HealthGate();
    private final LogCapture log = new LogCapture(PollLoop.class);
    private FakeProxy proxy;
    private ProxyClient client;
    private PollLoop loop;

    @AfterEach
    void stop() throws Exception {
        if (loop != null) {
            loop.stop();
            loop.awaitStopped(WAIT);
        }
        if (client != null) {
            client.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        log.close();
    }

    private PollLoop start(String proxyUrl) throws Exception {
        client = new ProxyClient(AgentConfig.parse("-proxy", proxyUrl, "-backend", "be-7"), "test");
        Backoff quick = new Backoff(Duration.ofMillis(10), Duration.ofMillis(40), 0.1, new Random(1));
        loop = new PollLoop(client, request -> {
            entries.add(request);
            dispatched.add(request.id());
            return true;
        }, health, quick, proxyUrl);
        loop.start();
        return loop;
    }

    @Test
    void dispatchesEveryIdOfEachAnswerAndPollsAgain() throws Exception {
        proxy = new FakeProxy();
        start(proxy.url());
        Map<String, String> batch = new LinkedHashMap<>();
        batch.put("a", "");
        batch.put("b", "");
        proxy.offerAll(batch);
        Wait.until(() -> dispatched.size() == 2, WAIT, "both IDs dispatched");
        proxy.offerGone("c");

        Wait.until(() -> dispatched.size() == 3, WAIT, "third ID dispatched");
        assertEquals(List.of("a", "b", "c"), dispatched);
        assertTrue(proxy.pollBackendIds().stream().allMatch("be-7"::equals), proxy.pollBackendIds().toString());
        assertEquals(List.of("polling proxy " + proxy.url()), log.messages(Level.INFO));
    }

    @Test
    void inlineEntriesAreDispatchedWhole() throws Exception {
        proxy = new FakeProxy();
        start(proxy.url());
        PendingRequest inline = FakeProxy.inline("in", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "alice");
        proxy.offerTogether(inline, proxy.toRead("read", "GET / HTTP/1.1\r\nHost: h\r\n\r\n"));

        Wait.until(() -> entries.size() == 2, WAIT, "both entries dispatched");
        assertEquals(List.of(inline, PendingRequest.toRead("read")), entries);
    }

    @Test
    void anOutageIsLoggedOnceAndTheRecoveryOnce() throws Exception {
        proxy = new FakeProxy();
        proxy.failPolls(5);
        start(proxy.url());
        proxy.offerGone("after-outage");

        Wait.until(() -> dispatched.contains("after-outage"), WAIT, "polling resumed");
        assertEquals(List.of("proxy " + proxy.url() + " is unreachable (proxy answered 500 to GET agent/pending:"
                + " poll failure for the test);"
                + " retrying with backoff up to 3s"), log.messages(Level.WARNING));
        assertEquals(List.of("proxy " + proxy.url() + " is reachable again; polling resumed"), log.messages(Level.INFO));
        assertEquals(4, log.messages(Level.FINE).stream().filter(m -> m.startsWith("poll failed again")).count());
    }

    @Test
    void aRefusingProxyIsRetriedQuietlyAndStopEndsTheLoop() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        start("http://127.0.0.1:" + closedPort + "/");

        Wait.until(() -> log.messages(Level.FINE).stream().filter(m -> m.startsWith("poll failed again")).count() >= 3,
                WAIT, "several retries");
        assertEquals(1, log.messages(Level.WARNING).size());
        loop.stop();
        assertTrue(loop.awaitStopped(Duration.ofSeconds(1)));
    }

    @Test
    void stopAbortsAPollTheProxyIsHolding() throws Exception {
        proxy = new FakeProxy();
        proxy.holdPolls(Duration.ofSeconds(20));
        start(proxy.url());
        Wait.until(() -> proxy.polls() == 1, WAIT, "first poll");

        long start = System.nanoTime();
        loop.stop();
        assertTrue(loop.awaitStopped(Duration.ofSeconds(2)));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(2).toNanos());
    }

    @Test
    void noPollsWhileTheBackendIsUnhealthy() throws Exception {
        proxy = new FakeProxy();
        health.setHealthy(false);
        start(proxy.url());

        Thread.sleep(300);
        assertEquals(0, proxy.polls());
        health.setHealthy(true);
        Wait.until(() -> proxy.polls() > 0, WAIT, "polling after the backend became healthy");
    }
}
