package net.invertingproxy.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.Messages;
import net.invertingproxy.agent.testing.RawBackend;
import net.invertingproxy.agent.testing.Wait;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's lifecycle as an in-process API: start, in-flight count, health, graceful and forced stop. */
class AgentTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    private Agent start(FakeProxy proxy, String backendHost, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-proxy", proxy.url(), "-backend", "b", "-host", backendHost));
        args.addAll(Arrays.asList(flags));
        Agent agent = Agent.start(AgentConfig.parse(args.toArray(new String[0])));
        resources.add(() -> agent.stop(Duration.ZERO));
        return agent;
    }

    @Test
    void stopLetsRequestsInFlightFinish() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        RawBackend backend = closeLater(new RawBackend((request, connection) -> {
            Thread.sleep(500);
            RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone").respond(request, connection);
        }));
        Agent agent = start(proxy, backend.hostAndPort());
        assertEquals(0, agent.inFlight());
        proxy.offer("slow", "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        backend.awaitRequest(WAIT);
        assertEquals(1, agent.inFlight());

        assertTrue(agent.stop(Duration.ofSeconds(5)));

        assertEquals(0, agent.inFlight());
        assertEquals("done", Messages.readResponse(proxy.awaitPosted("slow", Duration.ofMillis(1)).body(), "GET")
                .bodyText());
        assertTrue(agent.awaitStopped(Duration.ofMillis(1)));
    }

    @Test
    void stopBreaksWhatOutlastsTheGracePeriod() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        CountDownLatch backendSawTheEnd = new CountDownLatch(1);
        RawBackend backend = closeLater(new RawBackend((request, connection) -> {
            OutputStream out = connection.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            try {
                while (true) {
                    out.write("1\r\nx\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    Thread.sleep(20);
                }
            } catch (IOException e) {
                backendSawTheEnd.countDown();
            }
        }));
        Agent agent = start(proxy, backend.hostAndPort());
        proxy.offer("endless", "GET /events HTTP/1.1\r\nHost: h\r\n\r\n");
        backend.awaitRequest(WAIT);
        Wait.until(() -> agent.inFlight() == 1, WAIT, "exchange running");

        long start = System.nanoTime();
        assertFalse(agent.stop(Duration.ofMillis(300)));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertTrue(tookMillis >= 300 && tookMillis < 3000, "took " + tookMillis + " ms");
        assertTrue(backendSawTheEnd.await(5, TimeUnit.SECONDS), "backend connection still open");
        FakeProxy.Posted posted = proxy.awaitPosted("endless", WAIT);
        String text = posted.text();
        assertTrue(posted.failure() != null, "the broken response must not look complete; it ended with: "
                + text.substring(Math.max(0, text.length() - 40)).replace("\r\n", "\\r\\n"));
        Wait.until(() -> agent.inFlight() == 0, WAIT, "exchange ended");
        // A second stop only waits for the first.
        agent.stop(Duration.ofSeconds(5));
    }

    @Test
    void stopBreaksRequestsStillWaitingForTheBackend() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        CountDownLatch backendSawTheEnd = new CountDownLatch(2);
        RawBackend backend = closeLater(new RawBackend((request, connection) -> {
            // Never answers; reading on notices the agent closing the connection (a reset is an exception).
            try {
                connection.getInputStream().read();
            } finally {
                backendSawTheEnd.countDown();
            }
        }));
        Agent agent = start(proxy, backend.hostAndPort());
        proxy.offer("one", "GET /one HTTP/1.1\r\nHost: h\r\n\r\n");
        proxy.offer("two", "GET /two HTTP/1.1\r\nHost: h\r\n\r\n");
        backend.awaitRequest(WAIT);
        backend.awaitRequest(WAIT);
        assertEquals(2, agent.inFlight());

        assertFalse(agent.stop(Duration.ofMillis(300)));

        assertTrue(backendSawTheEnd.await(5, TimeUnit.SECONDS), "backend connections still open");
        Wait.until(() -> agent.inFlight() == 0, WAIT, "exchanges ended");
    }

    @Test
    void anUnhealthyBackendStopsPollingUntilItRecovers() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        AtomicInteger healthStatus = new AtomicInteger(503);
        RawBackend backend = closeLater(new RawBackend((request, connection) -> RawBackend.answering(
                "HTTP/1.1 " + healthStatus.get() + " X\r\nContent-Length: 0\r\n\r\n").respond(request, connection)));
        Agent agent = start(proxy, backend.hostAndPort(), "-health-check-path", "/healthz",
                "-health-check-interval-seconds", "1", "-health-check-unhealthy-threshold", "1");

        Wait.until(() -> !agent.isHealthy(), WAIT, "unhealthy");
        assertEquals("GET /healthz HTTP/1.1", backend.awaitRequest(WAIT).requestLine());
        // A poll already held by the proxy may still end; after that, none start.
        Thread.sleep(200);
        int polls = proxy.polls();
        Thread.sleep(500);
        assertEquals(polls, proxy.polls());

        healthStatus.set(200);
        Wait.until(agent::isHealthy, WAIT, "healthy again");
        Wait.until(() -> proxy.polls() > polls, WAIT, "polling again");
    }

    @Test
    void withHealthChecksOnPollingStartsOnlyOnceTheBackendPasses() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        AtomicInteger healthStatus = new AtomicInteger(503);
        RawBackend backend = closeLater(new RawBackend((request, connection) -> RawBackend.answering(
                "HTTP/1.1 " + healthStatus.get() + " X\r\nContent-Length: 0\r\n\r\n").respond(request, connection)));
        // As a Go agent command line writes it: the path without its leading slash.
        Agent agent = start(proxy, backend.hostAndPort(), "-health-check-path", "healthz",
                "-health-check-interval-seconds", "1");

        assertEquals("GET /healthz HTTP/1.1", backend.awaitRequest(WAIT).requestLine());
        assertEquals("GET /healthz HTTP/1.1", backend.awaitRequest(WAIT).requestLine());
        assertFalse(agent.isHealthy());
        assertEquals(0, proxy.polls(), "polled before the backend passed a check");

        healthStatus.set(200);
        Wait.until(() -> proxy.polls() > 0, WAIT, "polling once the backend passed");
        assertTrue(agent.isHealthy());
    }

    @Test
    void anIntervalOfZeroTurnsHealthChecksOff() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        RawBackend backend = closeLater(new RawBackend(RawBackend.answering("HTTP/1.1 503 X\r\nContent-Length: 0\r\n\r\n")));
        Agent agent = start(proxy, backend.hostAndPort(), "-health-check-path", "/healthz",
                "-health-check-interval-seconds", "0");

        Wait.until(() -> proxy.polls() > 0, WAIT, "polling at once");
        assertTrue(agent.isHealthy());
        assertNull(backend.pollRequest(Duration.ofMillis(500)), "a health check was made");
    }

    @Test
    void versionComesFromTheBuild() {
        assertTrue(Agent.version().matches("\\d+\\.\\d+\\.\\d+.*"), Agent.version());
    }
}
