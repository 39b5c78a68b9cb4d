package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * A backend's limits protect it: beyond its requests in flight or its rate, clients get 429 with
 * {@code Retry-After} from the proxy at once, the backend never sees them, and every exchange gives
 * its place back when it ends, however it ends.
 */
class BackendLimitsTest {
    private static final Map<String, String> QUICK_POLLS = ExtraBackends.QUICK_POLLS;
    private static final Duration AT_ONCE = ExtraBackends.AT_ONCE;
    private static final ExecutorService THREADS = ExtraBackends.threads("limits-test");

    @Test
    void aRequestBeyondMaxInFlightGets429AtOnceAndPassesOnceThePlaceIsFree() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create("{\"id\": \"slow\", \"routes\": [{\"pathPrefix\": \"/\"}],"
                    + " \"limits\": {\"maxInFlight\": 1}}");
            TestBackend slow = extra.backend("slow");
            CountDownLatch release = new CountDownLatch(1);
            TestBackend.Behaviour answer = slow.currentBehaviour();
            slow.behave((request, response, recorded) -> {
                if (recorded.target().equals("/held") && !release.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the held request");
                }
                answer.handle(request, response, recorded);
            });
            extra.connectedAgent("slow", credential, slow);

            CompletableFuture<RawResponse> held = CompletableFuture.supplyAsync(() -> get(tunnel, "/held"), THREADS);
            assertEquals("/held", slow.nextRequest().target());

            long start = System.nanoTime();
            RawResponse refused = ExtraBackends.get(tunnel, "/second");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(429, refused.status(), refused.toString());
            assertEquals("1", refused.header("Retry-After"));
            assertEquals("backend 'slow' allows 1 requests in flight\n", refused.bodyText());
            assertTrue(took.compareTo(AT_ONCE) < 0, "refused after " + took);

            release.countDown();
            assertEquals(200, held.get(10, TimeUnit.SECONDS).status());
            // The refused request took no place and left no trace: the next one passes, and it is the next the backend sees.
            RawResponse next = getOnceThePlaceIsFree(tunnel, "/third");
            assertEquals(200, next.status(), next.toString());
            assertEquals("/third", slow.nextRequest().target());
        }
    }

    @Test
    void aClientSendingOneRequestAfterAnotherNeverHitsAMaxInFlightOfOne() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create("{\"id\": \"single\", \"routes\": [{\"pathPrefix\": \"/\"}],"
                    + " \"limits\": {\"maxInFlight\": 1}}");
            TestBackend single = extra.backend("single");
            extra.connectedAgent("single", credential, single);

            // Each request starts only after the previous answer has fully arrived: never two in flight.
            for (int i = 0; i < 50; i++) {
                RawResponse answer = ExtraBackends.get(tunnel, "/seq/" + i);
                assertEquals(200, answer.status(), "request " + i + " of a strictly sequential client: " + answer);
            }
        }
    }

    @Test
    void refusedAndFailedExchangesGiveTheirPlaceBack() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create("{\"id\": \"limited\", \"routes\": [{\"pathPrefix\": \"/\"}],"
                    + " \"limits\": {\"maxInFlight\": 1}}");

            // Let in under the limit, then refused because no agent serves the backend yet: 503, twice.
            // Had the first kept its place, the second would get 429.
            for (String target : List.of("/refused/1", "/refused/2")) {
                RawResponse refused = getOnceThePlaceIsFree(tunnel, target);
                assertEquals(503, refused.status(), target + ": " + refused);
                assertEquals("no agent is connected for this backend\n", refused.bodyText());
            }

            // An exchange that fails: the agent's answer is not an HTTP response.
            RawAgent agent = new RawAgent(tunnel.proxy.port(), "limited", credential);
            CompletableFuture<List<String>> poll = CompletableFuture.supplyAsync(() -> pollUntilWork(agent), THREADS);
            extra.awaitConnected("limited", 1);
            CompletableFuture<RawResponse> failing = CompletableFuture.supplyAsync(() -> get(tunnel, "/fails"), THREADS);
            String failingId = poll.get(15, TimeUnit.SECONDS).get(0);
            assertEquals(200, agent.readRequest(failingId).status());
            RawResponse garbage = agent.postResponse(failingId, "this is not an HTTP response\r\n\r\n");
            assertEquals(400, garbage.status(), garbage.toString());
            RawResponse failed = failing.get(10, TimeUnit.SECONDS);
            assertEquals(502, failed.status(), failed.toString());

            // The place is free again: the next exchange is let in and answered.
            poll = CompletableFuture.supplyAsync(() -> pollUntilWork(agent), THREADS);
            CompletableFuture<RawResponse> passing = CompletableFuture.supplyAsync(() -> {
                try {
                    return getOnceThePlaceIsFree(tunnel, "/passes");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, THREADS);
            String passingId = poll.get(15, TimeUnit.SECONDS).get(0);
            assertEquals(200, agent.readRequest(passingId).status());
            assertEquals(200, agent.postResponse(passingId, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").status());
            RawResponse passed = passing.get(10, TimeUnit.SECONDS);
            assertEquals(200, passed.status(), passed.toString());
            assertEquals("ok", passed.bodyText());
        }
    }

    @Test
    void aBurstBeyondTheRateGets429WithRetryAfterAndTheBackendSeesOnlyWhatPassed() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create("{\"id\": \"metered\", \"routes\": [{\"pathPrefix\": \"/\"}],"
                    + " \"limits\": {\"requestsPerSecond\": 2}}");
            TestBackend metered = extra.backend("metered");
            extra.connectedAgent("metered", credential, metered);

            long start = System.nanoTime();
            List<CompletableFuture<RawResponse>> burst = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String target = "/burst/" + i;
                burst.add(CompletableFuture.supplyAsync(() -> get(tunnel, target), THREADS));
            }
            List<RawResponse> answers = new ArrayList<>();
            for (CompletableFuture<RawResponse> answer : burst) {
                answers.add(answer.get(10, TimeUnit.SECONDS));
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            int passed = 0;
            int refused = 0;
            String retryAfter = null;
            for (RawResponse answer : answers) {
                if (answer.status() == 200) {
                    passed++;
                } else {
                    assertEquals(429, answer.status(), answer.toString());
                    assertEquals("backend 'metered' allows 2.0 requests per second\n", answer.bodyText());
                    retryAfter = answer.header("Retry-After");
                    // At 2 per second the next place comes within half a second: retry after 1 s, never 0 or more.
                    assertEquals("1", retryAfter, answer.toString());
                    refused++;
                }
            }
            // A second's worth (2) passes at once; at most 2 more per second of the burst's duration.
            int mostPassing = 2 + (int) Math.ceil(2 * seconds);
            assertTrue(passed >= 2 && passed <= mostPassing, passed + " of 10 passed in " + seconds + " s");
            assertTrue(refused >= 10 - mostPassing, refused + " of 10 refused in " + seconds + " s");
            int seen = 0;
            while (metered.pollRequest(0) != null) {
                seen++;
            }
            assertEquals(passed, seen, "the backend saw only the requests that passed");

            // A client that honours Retry-After gets through.
            Thread.sleep(Duration.ofSeconds(Long.parseLong(retryAfter)).toMillis());
            RawResponse retried = ExtraBackends.get(tunnel, "/retried");
            assertEquals(200, retried.status(), retried.toString());
            assertEquals("/retried", metered.nextRequest().target());
            assertNull(metered.pollRequest(0));
        }
    }

    /**
     * The answer to {@code GET target}, asked again while it is 429 for up to {@link #AT_ONCE}. An
     * exchange gives its in-flight place back only just after its client has the whole answer (see
     * {@link #aClientSendingOneRequestAfterAnotherNeverHitsAMaxInFlightOfOne}), so a request sent the
     * moment an answer arrives may still find the place taken; a place that is never given back
     * (a leak) still fails here.
     */
    private static RawResponse getOnceThePlaceIsFree(Tunnel tunnel, String target) throws Exception {
        long deadline = System.nanoTime() + AT_ONCE.toNanos();
        RawResponse answer = ExtraBackends.get(tunnel, target);
        while (answer.status() == 429 && System.nanoTime() < deadline) {
            Thread.sleep(10);
            answer = ExtraBackends.get(tunnel, target);
        }
        return answer;
    }

    // Polls again whenever a poll's hold ends empty, so a request is caught whenever it comes (within 10 s).
    private static List<String> pollUntilWork(RawAgent agent) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> ids;
            try {
                ids = agent.pollIds();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            if (!ids.isEmpty()) {
                return ids;
            }
        }
        throw new AssertionError("no request was handed to the agent within 10 s");
    }

    private static RawResponse get(Tunnel tunnel, String target) {
        try {
            return ExtraBackends.get(tunnel, target);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
