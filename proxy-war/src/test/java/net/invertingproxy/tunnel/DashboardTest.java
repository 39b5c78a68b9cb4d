package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;

/**
 * The dashboard as an operator uses it, without a browser: the admin token opens it, it shows
 * every backend with its agents and traffic, the inspector keeps recent requests with their
 * credentials hidden, and a replay sends one again through the tunnel.
 */
class DashboardTest {
    private static final Map<String, String> QUICK_POLLS = Tunnel.settings("poll-hold-seconds", "1");
    private static final String ECHO = "{\"id\": \"echo\", \"routes\": [{\"pathPrefix\": \"/echo/\"}],"
            + " \"inspector\": {\"enabled\": true, \"bodyBytes\": 1024}}";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void thePageIsPublicButItsDataNeedTheAdminTokenAsABearerToken() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            HttpResponse<String> page = get(tunnel, "/_dashboard/", null);
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<title>inverting-proxy dashboard</title>"), page.body());
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
            assertEquals(200, get(tunnel, "/_dashboard/dashboard.js", null).statusCode());
            assertEquals(404, get(tunnel, "/_dashboard/../WEB-INF/web.xml", null).statusCode());
            assertEquals(302, get(tunnel, "/_dashboard", null).statusCode());

            HttpResponse<String> anonymous = get(tunnel, "/_dashboard/api/overview", null);
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            // A password the browser would remember and send by itself on every call is not taken.
            assertEquals(401, get(tunnel, "/_dashboard/api/overview", basic("admin", Tunnel.ADMIN_TOKEN)).statusCode());
            assertEquals(401, get(tunnel, "/_dashboard/api/overview", "Bearer wrong").statusCode());
            assertEquals(200, get(tunnel, "/_dashboard/api/overview", "Bearer " + Tunnel.ADMIN_TOKEN).statusCode());
        }
        try (Tunnel off = Tunnel.withoutBackends(Tunnel.settings("admin-token", " "))) {
            assertEquals(404, get(off, "/_dashboard/", null).statusCode(), "no admin token, no dashboard");
        }
    }

    @Test
    void withADashboardHostNoOtherHostServesIt() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(Tunnel.settings("dashboard-host", "admin.proxy.test"))) {
            assertEquals(404, get(tunnel, "/_dashboard/", null).statusCode(), "127.0.0.1 is not the dashboard's host");
            RawResponse named = ExtraBackends.getFromHost(tunnel, "admin.proxy.test:" + tunnel.proxy.port(), "/_dashboard/");
            assertEquals(200, named.status());
        }
    }

    @Test
    void theOverviewShowsEachBackendWithItsAgentsQueuesTrafficAndErrors() throws Exception {
        try (Tunnel tunnel = Tunnel.start(QUICK_POLLS)) {
            AtomicInteger calls = new AtomicInteger();
            tunnel.backend.behave((request, response, recorded) ->
                    response.setStatus(calls.incrementAndGet() == 3 ? 500 : 200));
            JsonObject trafficBefore = backendOf(json(tunnel, "/_dashboard/api/overview")).getAsJsonObject("traffic");
            double before = trafficBefore.get("requestsPerSecond").getAsDouble();
            // The tunnel's start-up probe may have met a 503 before the agent polled.
            double fivesBefore = trafficBefore.getAsJsonObject("perSecondByClass").get("5xx").getAsDouble();
            for (int i = 0; i < 3; i++) {
                ExtraBackends.get(tunnel, "/item/" + i);
            }

            // Figures are taken once each exchange's client has its answer, a moment later.
            JsonObject backend = backendOf(awaitJson(tunnel, "/_dashboard/api/overview", overview ->
                    backendOf(overview).getAsJsonObject("traffic").getAsJsonArray("recentErrors").get(0).getAsJsonObject()
                            .get("path").getAsString().equals("/item/2")));
            assertEquals("default", backend.get("id").getAsString());
            assertEquals("*/", backend.getAsJsonArray("routes").get(0).getAsString());
            JsonObject agent = backend.getAsJsonArray("agents").get(0).getAsJsonObject();
            assertEquals(tunnel.agent().config().backendId(), "default");
            assertTrue(agent.get("userAgent").getAsString().startsWith("inverting-proxy-agent/"), agent.toString());
            assertEquals("127.0.0.1", agent.get("address").getAsString());
            assertNotNull(agent.get("lastPoll"));
            assertEquals(0, backend.get("parked").getAsInt());
            JsonObject traffic = backend.getAsJsonObject("traffic");
            assertEquals(before + 3.0 / 60, traffic.get("requestsPerSecond").getAsDouble(), 1e-9);
            assertEquals(fivesBefore + 1.0 / 60, traffic.getAsJsonObject("perSecondByClass").get("5xx").getAsDouble(),
                    1e-9);
            assertTrue(traffic.get("p50Millis").getAsLong() >= 0);
            JsonObject error = traffic.getAsJsonArray("recentErrors").get(0).getAsJsonObject();
            assertEquals("/item/2", error.get("path").getAsString());
            assertEquals(500, error.get("status").getAsInt());
        }
    }

    @Test
    void inspectedRequestsHideCredentialsAndKeepBodiesOnlyWhereEnabled() throws Exception {
        try (Tunnel tunnel = Tunnel.start(QUICK_POLLS)) {
            tunnel.backend.behave((request, response, recorded) -> {
                response.setHeader("Set-Cookie", "sid=server-secret");
                response.setStatus(200);
                response.getOutputStream().write("answer body".getBytes(StandardCharsets.UTF_8));
            });
            RawResponse answer = ExtraBackends.get(tunnel, "/private?page=2", "Authorization: Bearer client-secret",
                    "Cookie: c=client-cookie", "X-Trace: t-1");
            assertEquals(200, answer.status());

            JsonObject line = newest(tunnel, "default");
            assertEquals("/private?page=2", line.get("target").getAsString());
            JsonObject detail = json(tunnel, "/_dashboard/api/backends/default/exchanges/"
                    + line.get("sequence").getAsLong()).getAsJsonObject();
            String all = detail.toString();
            assertFalse(all.contains("client-secret") || all.contains("client-cookie") || all.contains("server-secret"),
                    all);
            assertEquals("[redacted]", header(detail.getAsJsonArray("requestHeaders"), "Authorization"));
            assertEquals("[redacted]", header(detail.getAsJsonArray("requestHeaders"), "Cookie"));
            assertEquals("t-1", header(detail.getAsJsonArray("requestHeaders"), "X-Trace"));
            assertEquals("[redacted]", header(detail.getAsJsonArray("responseHeaders"), "Set-Cookie"));
            JsonObject responseBody = detail.getAsJsonObject("responseBody");
            assertEquals(11, responseBody.get("bytes").getAsLong(), "the length is kept");
            assertEquals(0, responseBody.get("kept").getAsInt(), "bodies are not kept unless the backend asks");
            assertEquals(200, detail.get("status").getAsInt());
        }
    }

    @Test
    void aReplaySendsTheRecordedRequestAgainAndStreamsTheNewAnswerBack() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create(ECHO);
            TestBackend echo = new TestBackend();
            AtomicInteger answers = new AtomicInteger();
            List<String> seen = new ArrayList<>();
            echo.behave((request, response, recorded) -> {
                String body = new String(TestBackend.readAll(request.getInputStream()), StandardCharsets.UTF_8);
                seen.add(recorded.method() + " " + recorded.target() + " " + body + " auth="
                        + recorded.header("Authorization"));
                response.setStatus(201);
                response.setContentType("text/plain");
                response.setHeader("Set-Cookie", "replay=should-not-reach-the-browser");
                response.getOutputStream().write(("answer " + answers.incrementAndGet() + ": " + body)
                        .getBytes(StandardCharsets.UTF_8));
            });
            try (echo) {
                extra.connectedAgent("echo", credential, echo);
                RawResponse first = post(tunnel, "/echo/orders?x=1", "{\"n\": 1}");
                assertEquals("answer 1: {\"n\": 1}", first.bodyText());
                long sequence = newest(tunnel, "echo").get("sequence").getAsLong();
                String replayPath = "/_dashboard/api/backends/echo/exchanges/" + sequence + "/replay";

                assertEquals(403, replay(tunnel, replayPath, false).statusCode(), "a call without the page's header");
                HttpResponse<String> replayed = replay(tunnel, replayPath, true);

                assertEquals(201, replayed.statusCode());
                assertEquals("answer 2: {\"n\": 1}", replayed.body());
                assertTrue(replayed.headers().allValues("Set-Cookie").isEmpty(), "a backend cookie reached the browser");
                List<String> renamed = new ArrayList<>();
                for (int n = 1; replayed.headers().firstValue("X-Replayed-Header-" + n).isPresent(); n++) {
                    renamed.add(replayed.headers().firstValue("X-Replayed-Header-" + n).get());
                }
                assertTrue(renamed.contains("Set-Cookie: replay=should-not-reach-the-browser"), renamed.toString());
                assertTrue(renamed.stream().anyMatch(h -> h.startsWith("Content-Type: text/plain")), renamed.toString());
                // Hidden values were never kept: the replay goes without the client's credential.
                assertEquals(List.of("POST /echo/orders?x=1 {\"n\": 1} auth=Bearer end-user",
                        "POST /echo/orders?x=1 {\"n\": 1} auth=null"), seen, "the backend got the request twice");

                JsonObject newest = awaitJson(tunnel, "/_dashboard/api/backends/echo/exchanges",
                        lines -> lines.getAsJsonArray().size() == 2).getAsJsonArray().get(0).getAsJsonObject();
                assertEquals(sequence, newest.get("replayOf").getAsLong());
                assertEquals(201, newest.get("status").getAsInt());
                assertEquals(404, replay(tunnel, "/_dashboard/api/backends/echo/exchanges/999999/replay", true)
                        .statusCode());
            }
        }
    }

    @Test
    void aRequestWhoseBodyWasNotKeptWholeCannotBeReplayed() throws Exception {
        try (Tunnel tunnel = Tunnel.start(QUICK_POLLS)) {
            assertEquals(204, post(tunnel, "/upload", "not kept").status());
            long sequence = newest(tunnel, "default").get("sequence").getAsLong();

            HttpResponse<String> refused = replay(tunnel, "/_dashboard/api/backends/default/exchanges/" + sequence
                    + "/replay", true);

            assertEquals(409, refused.statusCode());
            assertTrue(refused.body().contains("inspector.bodyBytes"), refused.body());
        }
    }

    @Test
    void aReplayWhoseAnswerBreaksOffBreaksTheDashboardsConnectionToo() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            String credential = AdminClient.agentCredential(tunnel.admin.create(
                    "{\"id\": \"h\", \"routes\": [{\"pathPrefix\": \"/h/\", \"stripPrefix\": true}]}"));
            RawAgent agent = new RawAgent(tunnel.proxy.port(), "h", credential);
            // The backend's target is /healthz: a re-dispatch to it would reach the proxy's own health servlet.
            CompletableFuture<List<String>> polled = pollAsync(agent);
            CompletableFuture<RawResponse> original = CompletableFuture.supplyAsync(() -> {
                try {
                    return ExtraBackends.get(tunnel, "/h/healthz");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, ExtraBackends.threads("client"));
            String first = polled.get(10, TimeUnit.SECONDS).get(0);
            agent.readRequest(first);
            agent.postResponse(first, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            assertEquals(200, original.get(10, TimeUnit.SECONDS).status());
            long sequence = newest(tunnel, "h").get("sequence").getAsLong();

            CompletableFuture<List<String>> replayPolled = pollAsync(agent);
            try (RawClient dashboard = RawClient.connect(tunnel.proxy.port())) {
                dashboard.send("POST /_dashboard/api/backends/h/exchanges/" + sequence + "/replay HTTP/1.1\r\n"
                        + "Host: 127.0.0.1\r\nAuthorization: Bearer " + Tunnel.ADMIN_TOKEN + "\r\n"
                        + "X-Requested-By: inverting-proxy-dashboard\r\nContent-Length: 0\r\n\r\n");
                String replay = replayPolled.get(10, TimeUnit.SECONDS).get(0);
                agent.readRequest(replay);
                RawAgent.Post post = agent.openPost(replay);
                post.chunk("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
                byte[] start = dashboard.readUntil("hello");
                post.die();
                RawClient.Received rest = dashboard.readTimeout(5_000).readToEnd();

                assertNotEquals(RawClient.Ending.TIMEOUT, rest.ending(), "the dashboard's connection was left open");
                byte[] all = new byte[start.length + rest.bytes().length];
                System.arraycopy(start, 0, all, 0, start.length);
                System.arraycopy(rest.bytes(), 0, all, start.length, rest.bytes().length);
                assertThrows(IOException.class, () -> RawResponse.read(new ByteArrayInputStream(all), false),
                        () -> "the replay's answer looks complete: " + new String(all, StandardCharsets.ISO_8859_1));
            }
        }
    }

    @Test
    void theOverviewOfAHundredBackendsAnswersQuickly() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            for (int i = 0; i < 100; i++) {
                tunnel.admin.create("{\"id\": \"b" + i + "\", \"routes\": [{\"pathPrefix\": \"/b" + i + "/\"}]}");
            }
            json(tunnel, "/_dashboard/api/overview");
            long start = System.nanoTime();
            JsonArray backends = json(tunnel, "/_dashboard/api/overview").getAsJsonObject().getAsJsonArray("backends");
            long millis = (System.nanoTime() - start) / 1_000_000;

            assertEquals(100, backends.size());
            assertTrue(millis < 500, "the overview of 100 backends took " + millis + " ms");
        }
    }

    // Polls again while the answers are empty: on a loaded machine the request may come after a
    // one-second hold ended.
    private static CompletableFuture<List<String>> pollAsync(RawAgent agent) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                List<String> ids = agent.pollIds();
                while (ids.isEmpty() && System.nanoTime() < deadline) {
                    ids = agent.pollIds();
                }
                return ids;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, ExtraBackends.threads("poll"));
    }

    private static JsonObject backendOf(JsonElement overview) {
        return overview.getAsJsonObject().getAsJsonArray("backends").get(0).getAsJsonObject();
    }

    // The newest inspected exchange of the backend whose path is not the tunnel's start-up probe.
    private JsonObject newest(Tunnel tunnel, String backendId) throws Exception {
        return awaitJson(tunnel, "/_dashboard/api/backends/" + backendId + "/exchanges",
                lines -> lines.getAsJsonArray().size() > 0 && !lines.getAsJsonArray().get(0).getAsJsonObject()
                        .get("target").getAsString().equals("/tunnel-probe")).getAsJsonArray().get(0).getAsJsonObject();
    }

    private JsonElement awaitJson(Tunnel tunnel, String path, java.util.function.Predicate<JsonElement> ready)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        JsonElement answer = json(tunnel, path);
        while (!ready.test(answer)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(path + " never became ready: " + answer);
            }
            Thread.sleep(20);
            answer = json(tunnel, path);
        }
        return answer;
    }

    private static String header(JsonArray headers, String name) {
        for (JsonElement header : headers) {
            if (header.getAsJsonObject().get("name").getAsString().equalsIgnoreCase(name)) {
                return header.getAsJsonObject().get("value").getAsString();
            }
        }
        return null;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(Tunnel tunnel, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tunnel.proxy.port() + path))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonElement json(Tunnel tunnel, String path) throws Exception {
        HttpResponse<String> response = get(tunnel, path, "Bearer " + Tunnel.ADMIN_TOKEN);
        assertEquals(200, response.statusCode(), path + ": " + response.body());
        return JsonParser.parseString(response.body());
    }

    private HttpResponse<String> replay(Tunnel tunnel, String path, boolean fromThePage) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tunnel.proxy.port() + path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + Tunnel.ADMIN_TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody());
        if (fromThePage) {
            request.header("X-Requested-By", "inverting-proxy-dashboard");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static RawResponse post(Tunnel tunnel, String target, String body) throws Exception {
        try (RawClient connection = RawClient.connect(tunnel.proxy.port())) {
            return connection.send("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + tunnel.proxy.port()
                    + "\r\nConnection: close\r\nAuthorization: Bearer end-user\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).readResponse();
        }
    }
}
