package net.invertingproxy.agent.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.Messages;
import net.invertingproxy.agent.testing.RawBackend;
import net.invertingproxy.agent.testing.Wait;

import org.junit.jupiter.api.Test;

/**
 * Requests waiting for a slow backend hold no thread: on any JVM (the build runs it on Java 17,
 * without virtual threads) 300 requests parked at the backend leave the agent with a handful of
 * threads, and all 300 are answered once the backend speaks.
 */
class WaitingRequestsTest {
    private static final int REQUESTS = 300;
    // Poll loop, HttpClient's I/O threads, and slack; a thread per waiting request would be over 300.
    private static final int FEW_THREADS = 50;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void requestsWaitingForTheBackendHoldNoThread() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        RawBackend.Handler holdThenAnswer = (request, connection) -> {
            held.incrementAndGet();
            release.await(60, TimeUnit.SECONDS);
            byte[] body = request.head().target().getBytes(StandardCharsets.ISO_8859_1);
            connection.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            connection.getOutputStream().write(body);
            connection.getOutputStream().flush();
        };
        try (FakeProxy proxy = new FakeProxy();
             RawBackend backend = new RawBackend(holdThenAnswer, REQUESTS)) {
            Agent agent = Agent.start(AgentConfig.parse("-proxy", proxy.url(), "-backend", "b",
                    "-host", backend.hostAndPort()));
            try {
                Map<String, String> requests = new LinkedHashMap<>();
                for (int i = 0; i < REQUESTS; i++) {
                    requests.put("r" + i, "GET /item/" + i + " HTTP/1.1\r\nHost: h\r\n\r\n");
                }
                proxy.offerAll(requests);

                Wait.until(() -> held.get() == REQUESTS, WAIT, "the backend holding every request");
                assertEquals(REQUESTS, agent.inFlight());
                // The threads that read the requests went idle at once; the pool lets them go soon after.
                Wait.until(() -> busyExchangeThreads().isEmpty(), WAIT, "no exchange thread busy");
                int idleAfterTheBurst = agentThreads().size();
                Wait.until(() -> exchangeThreads().isEmpty(), WAIT, "the exchange pool emptied");
                List<String> threads = agentThreads();
                System.out.println("WaitingRequestsTest: " + held.get() + " requests waiting at the backend; agent threads "
                        + idleAfterTheBurst + " right after reading them, then " + threads.size() + ": " + threads);
                assertTrue(threads.size() < FEW_THREADS, threads.toString());
                assertEquals(REQUESTS, agent.inFlight());
                assertEquals(REQUESTS, held.get());
                assertFalse(proxy.hasPosted("r0"));

                release.countDown();
                for (int i = 0; i < REQUESTS; i++) {
                    Messages.Response response = Messages.readResponse(
                            proxy.awaitPosted("r" + i, WAIT).body(), "GET");
                    assertEquals(200, response.status());
                    assertEquals("/item/" + i, response.bodyText());
                }
                Wait.until(() -> agent.inFlight() == 0, WAIT, "every exchange ended");
                assertEquals(REQUESTS, held.get(), "each request reached the backend once");
            } finally {
                release.countDown();
                agent.stop(Duration.ofSeconds(1));
            }
        }
    }

    private static List<String> agentThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().startsWith("agent-"))
                .map(Thread::getName).sorted().collect(Collectors.toList());
    }

    private static List<String> exchangeThreads() {
        return agentThreads().stream().filter(name -> name.startsWith(ExchangeExecutors.THREAD_PREFIX))
                .collect(Collectors.toList());
    }

    // An exchange thread parked in the pool waiting for a task is idle, not held by a request.
    private static Set<String> busyExchangeThreads() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(entry -> entry.getKey().getName().startsWith(ExchangeExecutors.THREAD_PREFIX))
                .filter(entry -> Arrays.stream(entry.getValue())
                        .noneMatch(frame -> frame.getMethodName().equals("getTask")))
                .map(entry -> entry.getKey().getName()).collect(Collectors.toSet());
    }
}
