package net.invertingproxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import net.invertingproxy.tunnel.RawClient;
import net.invertingproxy.tunnel.RawResponse;

/**
 * As a client of a backend whose agent froze (SIGSTOP, as a stuck VM or a long GC pause does) for
 * 40 s, I get a definite answer at once or at the request timeout, never a hang: 504 for a request
 * the agent had already taken, 503 once the proxy counts the agent as gone. Other backends are
 * served throughout. Resumed (SIGCONT), the agent serves again within seconds, and the answers it
 * still held for expired requests are refused by the proxy without reaching anyone.
 */
class AgentFrozenIT {
    private static final Duration FROZEN_FOR = Duration.ofSeconds(40);
    /** The request timeout of {@link PackagedProxy#QUICK_FAULTS}. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    // Far below the 10 s request timeout, with room for a machine shared with other builds.
    private static final Duration AT_ONCE = Duration.ofSeconds(2);
    private static final Duration SERVING_AGAIN_WITHIN = Duration.ofSeconds(5);
    private static final String CONNECTED = "inverting_proxy_agents_connected{backend=\"frozen\"}";

    @RegisterExtension
    static final FaultScene SCENE = new FaultScene("agent-frozen", Duration.ofSeconds(30), "frozen", "bystander");

    @Test
    void frozenAgentGivesDefiniteAnswersAndServesAgainOnceResumed() throws Exception {
        AwaitedCount taken = new AwaitedCount("requests");
        SCENE.backend("frozen").behave((request, response, recorded) -> {
            taken.add(1);
            // Answered while the agent is frozen: the answer waits in its socket until it resumes.
            Thread.sleep(3_000);
            byte[] body = "stale answer".getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        });

        try (RawClient taken1 = RawClient.connect(SCENE.proxy().port()); RawClient after = RawClient.connect(SCENE.proxy().port())) {
            long takenSentAt = System.nanoTime();
            taken1.send("GET " + SCENE.backend("frozen").path("slow") + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            taken.awaitAtLeast(1);
            SCENE.backend("frozen").agent().freeze();
            long frozenAt = System.nanoTime();
            long afterSentAt = System.nanoTime();
            after.send("GET " + SCENE.backend("frozen").path("during") + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            Duration bystanderLatency = SCENE.backend("bystander").assertServed();

            RawResponse takenAnswer = ClientOutcome.assertComplete(taken1.readTimeout(20_000).readToEnd());
            Duration takenWaited = since(takenSentAt);
            RawResponse afterAnswer = ClientOutcome.assertComplete(after.readTimeout(20_000).readToEnd());
            Duration afterWaited = since(afterSentAt);
            System.out.printf("agent frozen: the request it had taken got %d after %d ms, the next one %d after %d ms;"
                    + " the bystander was served in %d ms%n", takenAnswer.status(), takenWaited.toMillis(),
                    afterAnswer.status(), afterWaited.toMillis(), bystanderLatency.toMillis());
            assertEquals(504, takenAnswer.status(), takenAnswer.toString());
            assertWithin(takenWaited, REQUEST_TIMEOUT.plusSeconds(3));
            assertTrue(afterAnswer.status() == 503 || afterAnswer.status() == 504, afterAnswer.toString());
            assertWithin(afterWaited, REQUEST_TIMEOUT.plusSeconds(3));

            assertRefusedAtOnceWhileFrozenAndOthersServed(frozenAt);
        }

        SCENE.backend("frozen").agent().thaw();
        Duration back = SCENE.backend("frozen").awaitServed(Duration.ofSeconds(15));
        System.out.printf("agent resumed after %d s: serving again after %d ms%n", FROZEN_FOR.toSeconds(), back.toMillis());
        assertWithin(back, SERVING_AGAIN_WITHIN);
        // The backend's answer to the expired request reached the agent during the freeze; posted now, it is refused.
        SCENE.backend("frozen").agent().awaitOutput(Pattern.compile("the proxy no longer waits for the response"), 15);
        assertEquals(1.0, SCENE.proxy().gauges().value(CONNECTED));
        SCENE.proxy().gauges().awaitAllZero();
    }

    /**
     * Until the freeze has lasted {@link #FROZEN_FOR}: every 5 s a request to the frozen backend,
     * which must get 503 at once (the agent counts as gone), and one to the SCENE.backend("bystander"), which must be served.
     */
    private void assertRefusedAtOnceWhileFrozenAndOthersServed(long frozenAt) throws Exception {
        awaitDisconnected();
        int checks = 0;
        while (since(frozenAt).compareTo(FROZEN_FOR) < 0 && checks < 10) {
            checks++;
            try (RawClient client = RawClient.connect(SCENE.proxy().port())) {
                long sentAt = System.nanoTime();
                client.send("GET " + SCENE.backend("frozen").path("while-frozen") + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                RawResponse answer = ClientOutcome.assertComplete(client.readToEnd());
                Duration took = since(sentAt);
                assertEquals(503, answer.status(), answer.toString());
                assertWithin(took, AT_ONCE);
            }
            assertWithin(SCENE.backend("bystander").assertServed(), AT_ONCE);
            Thread.sleep(Math.min(5_000, Math.max(0, FROZEN_FOR.minus(since(frozenAt)).toMillis())));
        }
        System.out.printf("during the freeze: %d requests refused 503 at once, the bystander served each time%n", checks);
    }

    private static void awaitDisconnected() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (SCENE.proxy().gauges().value(CONNECTED) != 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the proxy still counts the frozen agent as connected after 15 s");
            }
            Thread.sleep(100);
        }
    }

    private static void assertWithin(Duration took, Duration bound) {
        assertTrue(took.compareTo(bound) <= 0, "took " + took.toMillis() + " ms, more than " + bound.toMillis() + " ms");
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
