package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Google's Go agent works against this proxy unchanged: each test plays the Go agent's calls
 * byte for byte ({@link GoLikeAgent}) for one kind of exchange a user makes through it. The Go
 * agent has no credential, so the default backend is open to legacy agents ({@link Tunnel}).
 */
class GoAgentCompatibilityTest {
    private static final ExecutorService THREADS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "go-agent-compatibility-test");
        thread.setDaemon(true);
        return thread;
    });

    private Tunnel tunnel;
    private GoLikeAgent agent;

    @BeforeEach
    void startProxyWithGoAgentOnline() throws Exception {
        // Short holds keep an idle poll from delaying a test; one poll ended with no work makes
        // the backend count as served, so requests are parked instead of refused.
        tunnel = Tunnel.withoutAgent(Tunnel.settings("poll-hold-seconds", "1"));
        agent = new GoLikeAgent(tunnel.proxy.port());
        assertEquals(List.of(), agent.pollIds(), "a poll with no work");
    }

    @AfterEach
    void stopProxy() throws Exception {
        tunnel.close();
    }

    @AfterAll
    static void stopThreads() {
        THREADS.shutdownNow();
    }

    @Test
    void clientUploadWithALengthReachesTheGoAgentAsHttpReadRequestReadsIt() throws Exception {
        String json = "{\"name\":\"widget\",\"size\":3}";
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send("POST /go/upload?name=a%20b HTTP/1.1\r\nHost: app.example\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + json.length() + "\r\n\r\n" + json);
            String id = onlyId(agent.pollIds());

            GoLikeAgent.ForwardedRequest request = agent.readRequest(id);

            assertEquals("POST", request.method());
            assertEquals("/go/upload?name=a%20b", request.requestUri());
            assertEquals("app.example", request.host());
            assertEquals(List.of("application/json"), request.headerValues("Content-Type"));
            assertEquals(json.length(), request.contentLength());
            assertEquals(json, request.bodyText());
            assertEquals(0, request.leftover(), "bytes after the message");

            assertStatus(200, agent.answer(id, 201, List.of("Content-Type: text/plain"), "stored"));
            RawResponse got = client.readResponse();
            assertEquals(201, got.status(), got.toString());
            assertEquals("stored", got.bodyText());
        }
    }

    @Test
    void chunkedClientUploadWithATrailerReachesTheGoAgentAsHttpReadRequestReadsIt() throws Exception {
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send("POST /go/stream-up HTTP/1.1\r\nHost: app.example\r\nTransfer-Encoding: chunked\r\n"
                    + "Trailer: X-Checksum\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n");
            String id = onlyId(agent.pollIds());

            GoLikeAgent.ForwardedRequest request = agent.readRequest(id);

            assertEquals("POST", request.method());
            assertEquals(-1, request.contentLength(), "read as chunked");
            assertEquals("hello world", request.bodyText());
            assertEquals(List.of(Map.entry("X-Checksum", "42")), request.trailers());
            assertEquals(0, request.leftover(), "bytes after the message");

            assertStatus(200, agent.answer(id, 200, List.of(), "got it"));
            RawResponse got = client.readResponse();
            assertEquals(200, got.status(), got.toString());
            assertEquals("got it", got.bodyText());
        }
    }

    @Test
    void everyRequestIdInOnePollAnswerIsServedToItsOwnClient() throws Exception {
        int count = 3;
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                RawClient client = RawClient.connect(tunnel.proxy.port());
                clients.add(client);
                client.send("GET /go/many/" + i + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            }
            // All three wait before the poll arrives, so one answer must name them all.
            tunnel.awaitQueuedRequests(count);

            List<String> ids = agent.pollIds();

            assertEquals(count, ids.size(), ids.toString());
            assertEquals(count, ids.stream().distinct().count(), ids.toString());
            // As the Go agent, each ID is worked on at once and on its own, so they finish in any order.
            List<String> lastFirst = new ArrayList<>(ids);
            Collections.reverse(lastFirst);
            List<CompletableFuture<RawResponse>> posts = new ArrayList<>();
            for (String id : lastFirst) {
                posts.add(async(() -> {
                    String target = agent.readRequest(id).requestUri();
                    return agent.answer(id, 200, List.of("Content-Type: text/plain"), "answer for " + target);
                }));
            }
            for (CompletableFuture<RawResponse> post : posts) {
                assertStatus(200, post.get(10, TimeUnit.SECONDS));
            }
            for (int i = 0; i < count; i++) {
                RawResponse got = clients.get(i).readResponse();
                assertEquals(200, got.status(), i + ": " + got);
                assertEquals("answer for /go/many/" + i, got.bodyText(), i + ": " + got);
            }
        } finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void emptyBodyAnswerReachesTheClientAsAnEmptyBodyAndTheConnectionStaysUsable() throws Exception {
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send("GET /go/empty HTTP/1.1\r\nHost: a\r\n\r\n");
            String id = onlyId(agent.pollIds());
            GoLikeAgent.ForwardedRequest request = agent.readRequest(id);
            assertEquals(0, request.contentLength());
            assertEquals(0, request.body().length);

            // The backend's empty 200: Go writes it with Content-Length: 0, not close-delimited.
            assertStatus(200, agent.answer(id, 200, List.of("Content-Length: 0", "X-Empty: yes"), ""));
            RawResponse got = client.readResponse();

            assertEquals(200, got.status(), got.toString());
            assertEquals("0", got.header("Content-Length"), got.toString());
            assertNull(got.header("Transfer-Encoding"), got.toString());
            assertEquals("yes", got.header("X-Empty"));
            assertEquals(0, got.body().length);
            assertNextRequestOnTheSameConnectionIsServed(client);
        }
    }

    @Test
    void answersToHeadAndA204CarryNoBodyAndTheConnectionStaysUsable() throws Exception {
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send("HEAD /go/file HTTP/1.1\r\nHost: a\r\n\r\n");
            String headId = onlyId(agent.pollIds());
            GoLikeAgent.ForwardedRequest head = agent.readRequest(headId);
            assertEquals("HEAD", head.method());
            assertEquals(0, head.body().length);
            // Go's Response.Write replaces the backend's length with its own 0 (it saw no body);
            // the proxy passes on what the agent said.
            assertStatus(200, agent.answer(headId, 200, List.of("Content-Type: text/plain", "Content-Length: 1234"), ""));
            RawResponse headAnswer = RawResponse.read(client.input(), true);
            assertEquals(200, headAnswer.status(), headAnswer.toString());
            assertEquals("text/plain", headAnswer.header("Content-Type"), headAnswer.toString());
            assertEquals("0", headAnswer.header("Content-Length"), headAnswer.toString());

            client.send("GET /go/cached HTTP/1.1\r\nHost: a\r\n\r\n");
            String noContentId = onlyId(agent.pollIds());
            agent.readRequest(noContentId);
            assertStatus(200, agent.answer(noContentId, 204, List.of("ETag: \"v1\""), ""));
            RawResponse noContent = client.readResponse();
            assertEquals(204, noContent.status(), noContent.toString());
            assertEquals("\"v1\"", noContent.header("Etag"), noContent.toString());
            // RFC 9110 section 8.6: no Content-Length on a 204, though Go's message had one.
            assertNull(noContent.header("Content-Length"), noContent.toString());
            assertNull(noContent.header("Transfer-Encoding"), noContent.toString());

            // Had either answer carried a stray body byte, this response would not parse.
            assertNextRequestOnTheSameConnectionIsServed(client);
        }
    }

    @Test
    void chunkedAnswerWithTrailersReachesTheClient() throws Exception {
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send("GET /go/compat?q=1 HTTP/1.1\r\nHost: a\r\nTE: trailers\r\n\r\n");
            String id = onlyId(agent.pollIds());
            GoLikeAgent.ForwardedRequest request = agent.readRequest(id);
            assertEquals("GET", request.method());
            assertEquals("/go/compat?q=1", request.requestUri());

            RawResponse posted = agent.postChunked(id, List.of(
                    "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\n"
                            + "Set-Cookie: b=2\r\nX-Backend: go\r\nTransfer-Encoding: chunked\r\n\r\n",
                    "5\r\nhello\r\n",
                    "6\r\n world\r\n",
                    "0\r\nX-Checksum: 42\r\n\r\n"));

            assertStatus(200, posted);
            RawResponse got = client.readResponse();
            assertEquals(201, got.status(), got.toString());
            assertEquals("text/plain", got.header("Content-Type"));
            assertEquals("go", got.header("X-Backend"));
            assertEquals(List.of("a=1", "b=2"), got.headerValues("Set-Cookie"));
            assertEquals("hello world", got.bodyText());
            assertEquals("42", got.trailer("X-Checksum"), got.toString());
        }
    }

    @Test
    void closeDelimitedAnswerRunningToTheEndOfThePostReachesTheClient() throws Exception {
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send("GET /go/eof HTTP/1.1\r\nHost: a\r\n\r\n");
            String id = onlyId(agent.pollIds());
            agent.readRequest(id);

            // What Go's http.Response.Write makes of a body of unknown length (the ResponseForwarder
            // never knows it): Connection: close, then the body up to the end of the post.
            RawResponse posted = agent.answer(id, 200,
                    List.of("Content-Type: text/plain", "X-Backend: go", "Content-Length: 11"), "hello world");

            assertStatus(200, posted);
            RawResponse got = client.readResponse();
            assertEquals(200, got.status(), got.toString());
            assertEquals("go", got.header("X-Backend"));
            assertEquals("hello world", got.bodyText());
        }
    }

    /** One more request on the client's connection is answered whole: nothing was left over from the last one. */
    private void assertNextRequestOnTheSameConnectionIsServed(RawClient client) throws Exception {
        client.send("GET /go/next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        String id = onlyId(agent.pollIds());
        assertEquals("/go/next", agent.readRequest(id).requestUri());
        assertStatus(200, agent.answer(id, 200, List.of(), "next"));
        RawResponse next = client.readResponse();
        assertEquals(200, next.status(), next.toString());
        assertEquals("next", next.bodyText());
    }

    private static String onlyId(List<String> ids) {
        assertEquals(1, ids.size(), ids.toString());
        return ids.get(0);
    }

    private static void assertStatus(int expected, RawResponse response) {
        assertEquals(expected, response.status(), response.toString());
    }

    private static <T> CompletableFuture<T> async(Callable<T> task) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return task.call();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, THREADS);
    }
}
