package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import net.invertingproxy.agent.Agent;

/**
 * One proxy serves many backends: each client request goes to the backend whose route fits its
 * host and path best, is refused at once when none fits, and stops going anywhere the moment its
 * backend is deleted. A backend may have several agents; they share its work, and when one stops
 * the others carry on without the client noticing.
 */
class BackendRoutingTest {
    private static final Map<String, String> QUICK_POLLS = ExtraBackends.QUICK_POLLS;
    private static final Duration AT_ONCE = ExtraBackends.AT_ONCE;
    private static final ExecutorService THREADS = ExtraBackends.threads("routing-test");

    @Test
    void aHostRouteWinsOverAPathRoute() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            TestBackend billing = serve(extra, "billing", "{\"id\": \"billing\", \"routes\": [{\"host\": \"billing.test\"}]}");
            TestBackend web = serve(extra, "web", "{\"id\": \"web\", \"routes\": [{\"pathPrefix\": \"/api\"}]}");

            // The path fits web's route too, but the host names billing: the host decides.
            assertServedBy(ExtraBackends.getFromHost(tunnel, "billing.test", "/api/x"), billing, "billing", "/api/x");
            assertServedBy(ExtraBackends.getFromHost(tunnel, "BILLING.test:8443", "/other"), billing, "billing", "/other");
            // Any other host falls through to the path routes.
            assertServedBy(ExtraBackends.get(tunnel, "/api/x"), web, "web", "/api/x");
            RawResponse unrouted = ExtraBackends.getFromHost(tunnel, "shop.test", "/other");
            assertEquals(404, unrouted.status(), unrouted.toString());

            assertNothingMoreReached(billing, web);
        }
    }

    @Test
    void theLongestPathPrefixWinsAtSegmentBoundariesOnly() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            TestBackend api = serve(extra, "api", "{\"id\": \"api\", \"routes\": [{\"pathPrefix\": \"/api\"}]}");
            TestBackend v2 = serve(extra, "v2", "{\"id\": \"v2\", \"routes\": [{\"pathPrefix\": \"/api/v2\"}]}");

            assertServedBy(ExtraBackends.get(tunnel, "/api/v2/orders?page=2"), v2, "v2", "/api/v2/orders?page=2");
            assertServedBy(ExtraBackends.get(tunnel, "/api/v2"), v2, "v2", "/api/v2");
            assertServedBy(ExtraBackends.get(tunnel, "/api/v1/orders"), api, "api", "/api/v1/orders");
            assertServedBy(ExtraBackends.get(tunnel, "/api"), api, "api", "/api");
            assertServedBy(ExtraBackends.get(tunnel, "/api?q=1"), api, "api", "/api?q=1");
            // /api/v2x is not under /api/v2, but it is under /api.
            assertServedBy(ExtraBackends.get(tunnel, "/api/v2x"), api, "api", "/api/v2x");
            // /apix is under no route: /api does not take it.
            RawResponse apix = ExtraBackends.get(tunnel, "/apix");
            assertEquals(404, apix.status(), apix.toString());
            assertEquals("no backend serves this host and path\n", apix.bodyText());

            assertNothingMoreReached(api, v2);
        }
    }

    @Test
    void stripPrefixHidesTheRoutePrefixFromTheBackend() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            TestBackend billing = serve(extra, "billing",
                    "{\"id\": \"billing\", \"routes\": [{\"pathPrefix\": \"/billing\", \"stripPrefix\": true}]}");

            assertServedBy(ExtraBackends.get(tunnel, "/billing/x?q=1"), billing, "billing", "/x?q=1");
            assertServedBy(ExtraBackends.get(tunnel, "/billing"), billing, "billing", "/");
            assertServedBy(ExtraBackends.get(tunnel, "/billing?q=2"), billing, "billing", "/?q=2");
            assertServedBy(ExtraBackends.get(tunnel, "/billing/a/b/"), billing, "billing", "/a/b/");
            assertEquals(404, ExtraBackends.get(tunnel, "/billingx").status());

            assertNothingMoreReached(billing);
        }
    }

    @Test
    void aPathThatAnotherServerWouldReadAsAnotherRouteGets400AtOnceAndNoBackendSeesIt() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            TestBackend app = serve(extra, "app", "{\"id\": \"app\", \"routes\": [{\"pathPrefix\": \"/app\"}]}");
            TestBackend admin = serve(extra, "admin", "{\"id\": \"admin\", \"routes\": [{\"pathPrefix\": \"/admin\"}],"
                    + " \"access\": {\"mode\": \"api_key\", \"apiKeyUsers\": [\"alice\"]}}");
            TestBackend site = serve(extra, "site", "{\"id\": \"site\", \"routes\": [{\"pathPrefix\": \"/\"}]}");
            // The route guarding /admin holds for the plain path.
            assertEquals(401, ExtraBackends.get(tunnel, "/admin/users").status());

            // Each is routed to app or site as raw bytes, but a server that normalises it (RFC 3986
            // dot segments, %2e, ;params, //, encoded slashes) serves /admin/users; or the reverse:
            // routed to admin, served as app's /app/x. Sent byte for byte: HTTP clients normalise.
            List<String> ambiguous = List.of("/app/../admin/users", "/app/%2e%2e/admin/users",
                    "/app/.%2E/admin/users", "/app/..;/admin/users", "/app;v=1/../admin/users", "//admin/users",
                    "/./admin/users", "/%61dmin/users", "/app%2F..%2Fadmin/users", "/app%5c..%5cadmin/users",
                    "/app\\..\\admin/users", "/x/..%2Fadmin/users?q=1", "/admin/../app/x", "/admin/%2e%2e/app/x");
            for (String target : ambiguous) {
                long start = System.nanoTime();
                RawResponse answer = ExtraBackends.get(tunnel, target);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertEquals(400, answer.status(), target + " -> " + answer);
                assertEquals("ambiguous request path: it goes to another route once normalised\n", answer.bodyText(),
                        target);
                assertTrue(took.compareTo(AT_ONCE) < 0, target + " answered after " + took);
            }
            // Dot segments above the root: Jetty refuses these itself (its own 400 page), Tomcat too,
            // and the proxy would if a container let one through.
            for (String target : List.of("/../admin/users", "/app/../../admin/users", "/%2e%2e/admin/users",
                    "/app/%2e%2e/%2E%2E/admin/users")) {
                RawResponse answer = ExtraBackends.get(tunnel, target);
                assertEquals(400, answer.status(), target + " -> " + answer);
            }

            assertNothingMoreReached(app, admin, site);
        }
    }

    @Test
    void aPathThatReadsAsItsOwnRouteReachesTheBackendByteForByte() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            TestBackend app = serve(extra, "app", "{\"id\": \"app\", \"routes\": [{\"pathPrefix\": \"/app\"}]}");
            TestBackend site = serve(extra, "site", "{\"id\": \"site\", \"routes\": [{\"pathPrefix\": \"/\"}]}");

            // Escapes, parameters, empty and dot segments that stay inside the route are not the proxy's to change.
            for (String target : List.of("/app/x%20y", "/app/%7Euser/caf%C3%A9?q=%2F&r=a+b&s=/../admin",
                    "/app/%61dmin", "/app//x", "/app/x/../y", "/app/x;v=1", "/app/x%2Fy", "/app/x%25y")) {
                assertServedBy(ExtraBackends.get(tunnel, target), app, "app", target);
            }
            for (String target : List.of("/projects/group%2Fname/files", "/a/%2e%2e/b", "/.well-known/x")) {
                assertServedBy(ExtraBackends.get(tunnel, target), site, "site", target);
            }

            assertNothingMoreReached(app, site);
        }
    }

    @Test
    void aRequestWithoutARouteGets404AtOnceAndNoAgentSeesIt() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create("{\"id\": \"api\", \"routes\": [{\"pathPrefix\": \"/api\"}]}");
            RawAgent agent = new RawAgent(tunnel.proxy.port(), "api", credential);
            // A poll held open: anything parked for the backend would be handed to it at once.
            CompletableFuture<List<String>> held = CompletableFuture.supplyAsync(() -> pollIds(agent), THREADS);
            extra.awaitConnected("api", 1);

            long start = System.nanoTime();
            RawResponse answer = ExtraBackends.get(tunnel, "/nowhere?x=1");
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertEquals(404, answer.status(), answer.toString());
            assertEquals("no backend serves this host and path\n", answer.bodyText());
            assertTrue(took.compareTo(AT_ONCE) < 0, "answered after " + took);
            // The held poll ends at its hold time with no work, and so does the next: the request was never parked.
            assertEquals(List.of(), held.get(10, TimeUnit.SECONDS));
            assertEquals(List.of(), agent.pollIds());
        }
    }

    @Test
    void deletingABackendTakesItsRoutesAwayAndAnswersItsWaitingRequests() throws Exception {
        Map<String, String> settings = Tunnel.settings("poll-hold-seconds", "1", "request-timeout-seconds", "30");
        try (Tunnel tunnel = Tunnel.withoutBackends(settings); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create("{\"id\": \"doomed\", \"routes\": [{\"pathPrefix\": \"/doomed\"}]}");
            TestBackend survivor = serve(extra, "survivor", "{\"id\": \"survivor\", \"routes\": [{\"pathPrefix\": \"/\"}]}");
            // A hand-played agent takes the requests but never answers them, so they wait.
            RawAgent agent = new RawAgent(tunnel.proxy.port(), "doomed", credential);
            CompletableFuture<List<String>> poll = CompletableFuture.supplyAsync(() -> pollUntilWork(agent), THREADS);
            extra.awaitConnected("doomed", 1);
            CompletableFuture<RawResponse> waiting = CompletableFuture.supplyAsync(() -> get(tunnel, "/doomed/report"), THREADS);
            assertEquals(1, poll.get(10, TimeUnit.SECONDS).size(), "the agent was handed the request");

            long start = System.nanoTime();
            assertEquals(204, tunnel.admin.call("DELETE", "/api/backends/doomed", null).status());

            // The waiting client is answered now, not when its request times out.
            RawResponse answered = waiting.get(10, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(503, answered.status(), answered.toString());
            assertEquals("the backend was deleted\n", answered.bodyText());
            assertTrue(took.compareTo(AT_ONCE) < 0, "answered after " + took);
            // Its path now falls to the remaining route, which is the catch-all backend.
            assertServedBy(ExtraBackends.get(tunnel, "/doomed/report"), survivor, "survivor", "/doomed/report");
            // And the deleted backend's agent is refused from now on.
            assertEquals(401, agent.poll().status());
        }
    }

    @Test
    void deletingABackendMakesItsRoutes404AtOnce() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            TestBackend doomed = serve(extra, "doomed", "{\"id\": \"doomed\", \"routes\": [{\"pathPrefix\": \"/doomed\"}]}");
            assertServedBy(ExtraBackends.get(tunnel, "/doomed/a"), doomed, "doomed", "/doomed/a");

            assertEquals(204, tunnel.admin.call("DELETE", "/api/backends/doomed", null).status());

            long start = System.nanoTime();
            RawResponse gone = ExtraBackends.get(tunnel, "/doomed/a");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(404, gone.status(), gone.toString());
            assertTrue(took.compareTo(AT_ONCE) < 0, "answered after " + took);
            assertNothingMoreReached(doomed);
        }
    }

    @Test
    void aRequestAnAgentIsWorkingOnGets503AtOnceWhenItsBackendIsDeleted() throws Exception {
        Map<String, String> settings = Tunnel.settings("poll-hold-seconds", "1", "request-timeout-seconds", "5");
        try (Tunnel tunnel = Tunnel.withoutBackends(settings); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create("{\"id\": \"doomed\", \"routes\": [{\"pathPrefix\": \"/doomed\"}]}");
            RawAgent agent = new RawAgent(tunnel.proxy.port(), "doomed", credential);
            CompletableFuture<List<String>> poll = CompletableFuture.supplyAsync(() -> pollUntilWork(agent), THREADS);
            extra.awaitConnected("doomed", 1);
            CompletableFuture<RawResponse> client = CompletableFuture.supplyAsync(() -> get(tunnel, "/doomed/slow"), THREADS);
            String requestId = poll.get(10, TimeUnit.SECONDS).get(0);
            // The agent has read the request and its backend is working on it...
            assertEquals(200, agent.readRequest(requestId).status());

            long start = System.nanoTime();
            assertEquals(204, tunnel.admin.call("DELETE", "/api/backends/doomed", null).status());

            // ...when the backend is deleted: its credential is gone, so the answer could never be
            // taken. The client hears so at once instead of waiting for its 5 s request timeout.
            RawResponse answered;
            try {
                answered = client.get(AT_ONCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("the client had no answer " + AT_ONCE.toSeconds() + " s after its backend was"
                        + " deleted (it waits for the 5 s request timeout)");
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(AT_ONCE) < 0, "the client was answered " + answered.status() + " after " + took);
            assertEquals(503, answered.status(), answered.toString());
            assertEquals("the backend was deleted\n", answered.bodyText());
            // The agent's late answer is refused like any call for a backend that does not exist.
            RawResponse post = agent.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
            assertEquals(401, post.status(), post.toString());
        }
    }

    @Test
    void agentsOfOneBackendShareItsWorkAndTheOtherTakesOverWhenOneStops() throws Exception {
        // Polls held 2 s: long enough that the agents' poll order below is still the same when the agent stops.
        try (Tunnel tunnel = Tunnel.withoutBackends(Tunnel.settings("poll-hold-seconds", "2"));
             ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create("{\"id\": \"shared\", \"routes\": [{\"pathPrefix\": \"/\"}]}");
            Map<String, TestBackend> backends = Map.of("first", extra.backend("first"), "second", extra.backend("second"));
            Map<String, Agent> agents = Map.of(
                    "first", extra.connectedAgent("shared", credential, backends.get("first")),
                    // Both agents run on this host; the loop below shows when the second one polls too.
                    "second", extra.agent("shared", credential, backends.get("second")));

            // Requests one after another until each agent has served some: both take work.
            Map<String, Integer> served = new java.util.HashMap<>(Map.of("first", 0, "second", 0));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String last = null;
            int sent = 0;
            while ((served.get("first") == 0 || served.get("second") == 0) && System.nanoTime() < deadline) {
                RawResponse answer = ExtraBackends.get(tunnel, "/work/" + sent++);
                assertEquals(200, answer.status(), answer.toString());
                last = answer.bodyText().substring(0, answer.bodyText().indexOf(' '));
                served.merge(last, 1, Integer::sum);
            }
            assertTrue(served.get("first") > 0 && served.get("second") > 0, "after " + sent + " requests in 10 s only"
                    + " one agent served: " + served);

            // The agent that served last has just polled again, so its poll is the newest one held. It stops now.
            String stopped = last;
            String survivor = stopped.equals("first") ? "second" : "first";
            backends.values().forEach(TestBackend::forgetRequests);
            extra.stop(agents.get(stopped));

            // Every new request goes to the agent still running, at once: no 504, no claim timeout (10 s) waited out.
            for (int i = 0; i < 10; i++) {
                String target = "/after-stop/" + i;
                long start = System.nanoTime();
                CompletableFuture<RawResponse> request = CompletableFuture.supplyAsync(() -> get(tunnel, target), THREADS);
                RawResponse answer;
                try {
                    answer = request.get(AT_ONCE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("request " + i + " after the " + stopped + " agent stopped had no answer"
                            + " within " + AT_ONCE.toSeconds() + " s although the " + survivor + " agent polls");
                }
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertEquals(200, answer.status(), "request " + i + " after the stop: " + answer);
                assertEquals(survivor + " " + target, answer.bodyText());
                assertTrue(took.compareTo(AT_ONCE) < 0, "request " + i + " after the stop took " + took);
            }
            TestBackend.RecordedRequest leaked = backends.get(stopped).pollRequest(0);
            assertNull(leaked, () -> "the stopped agent forwarded " + leaked);
        }
    }

    /** Registers the backend, starts a real backend named {@code name} and an agent for it, connected. */
    private static TestBackend serve(ExtraBackends extra, String name, String json) throws Exception {
        String credential = extra.create(json);
        TestBackend backend = extra.backend(name);
        String id = com.google.gson.JsonParser.parseString(json).getAsJsonObject().get("id").getAsString();
        extra.connectedAgent(id, credential, backend);
        return backend;
    }

    /** The answer came from {@code backend}, which saw {@code target}. */
    private static void assertServedBy(RawResponse answer, TestBackend backend, String name, String target)
            throws InterruptedException {
        assertEquals(200, answer.status(), answer.toString());
        assertEquals(name + " " + target, answer.bodyText());
        assertEquals(target, backend.nextRequest().target());
    }

    /**
     * No backend holds a request the test did not take: every request above was answered before
     * this runs, so one that had reached a backend would already be recorded there.
     */
    private static void assertNothingMoreReached(TestBackend... backends) throws InterruptedException {
        for (TestBackend backend : backends) {
            TestBackend.RecordedRequest extra = backend.pollRequest(0);
            assertNull(extra, () -> "a backend received " + extra);
        }
    }

    private static List<String> pollIds(RawAgent agent) {
        try {
            return agent.pollIds();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // Polls again whenever a poll's hold ends empty, so a request is caught whenever it comes (within 10 s).
    private static List<String> pollUntilWork(RawAgent agent) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> ids = pollIds(agent);
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
