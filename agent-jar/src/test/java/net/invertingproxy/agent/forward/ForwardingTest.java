package net.invertingproxy.agent.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.Messages;
import net.invertingproxy.agent.testing.RawBackend;
import net.invertingproxy.agent.testing.Wait;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The agent between a fake proxy and a raw-socket backend: exact bytes in both directions, and every failure status. */
class ForwardingTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String OK_RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private FakeProxy proxy() throws IOException {
        FakeProxy proxy = new FakeProxy();
        resources.add(proxy);
        return proxy;
    }

    private RawBackend backend(RawBackend.Handler handler) throws IOException {
        RawBackend backend = new RawBackend(handler);
        resources.add(backend);
        return backend;
    }

    private Agent agent(FakeProxy proxy, String backendHost, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-proxy", proxy.url(), "-backend", "test-backend", "-host", backendHost));
        args.addAll(Arrays.asList(flags));
        Agent agent = Agent.start(AgentConfig.parse(args.toArray(new String[0])));
        resources.add(() -> agent.stop(Duration.ofSeconds(1)));
        return agent;
    }

    @Test
    void backendSeesTheClientRequestExactlyAndTheProxyGetsTheBackendResponse() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering("HTTP/1.1 201 Created\r\n"
                + "Content-Type: text/plain\r\nX-Backend: yes\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
                + "Connection: keep-alive\r\nContent-Length: 5\r\n\r\nhello"));
        agent(proxy, backend.hostAndPort());

        proxy.offer("id-1", "POST /a/%7Eb/./c/..//d?x=%20&y=a+b&z HTTP/1.1\r\n"
                + "Host: app.example.com\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n"
                + "X-Custom: one\r\nx-custom: two\r\nContent-Type: application/json\r\n"
                + "Connection: keep-alive, X-Hop\r\nX-Hop: drop me\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n"
                + "Content-Length: 13\r\n\r\n{\"hello\":\"x\"}");

        RawBackend.Received backendRequest = backend.awaitRequest(WAIT);
        // Hop-by-hop headers go; the entity sets Content-Length; HttpClient adds its own hop's Connection.
        assertEquals("POST /a/%7Eb/./c/..//d?x=%20&y=a+b&z HTTP/1.1\r\n"
                + "Host: app.example.com\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n"
                + "X-Custom: one\r\nx-custom: two\r\nContent-Type: application/json\r\n"
                + "Content-Length: 13\r\nConnection: keep-alive\r\n\r\n", backendRequest.rawHead());
        assertEquals("{\"hello\":\"x\"}", backendRequest.bodyText());

        FakeProxy.Posted posted = proxy.awaitPosted("id-1", WAIT);
        assertNull(posted.failure());
        assertEquals("text/plain", posted.headers().getFirst("Content-Type"));
        assertEquals("test-backend", posted.headers().getFirst("X-Inverting-Proxy-Backend-ID"));
        assertEquals("id-1", posted.headers().getFirst("X-Inverting-Proxy-Request-ID"));
        Messages.Response response = Messages.readResponse(posted.body(), "POST");
        assertEquals(201, response.status());
        assertEquals("Created", response.head().reasonPhrase());
        assertEquals(List.of("Content-Type: text/plain", "X-Backend: yes", "Set-Cookie: a=1", "Set-Cookie: b=2"),
                response.headerLines());
        assertEquals("hello", response.bodyText());
        // A body of known length keeps its length rather than being re-chunked.
        assertTrue(posted.text().contains("\r\nContent-Length: 5\r\n"), posted.text());
        assertFalse(posted.text().toLowerCase().contains("transfer-encoding"), posted.text());
        assertEquals(List.of(new FakeProxy.Read("id-1", "test-backend")), proxy.reads());
        assertTrue(proxy.pollBackendIds().stream().allMatch("test-backend"::equals));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/a/%7Eb/./c/..//d?x=%20&y=a+b&z",
        "/x/{y}|z?q=%zz&r=%2F&&s=%E2%82%AC#frag",
        "//double//slash/../?",
        "/p?q#fragment",
        "http://absolute.example/form?x",
        "/caf%C3%A9;matrix=1?a=b=c"})
    void targetReachesTheBackendByteForByte(String target) throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(OK_RESPONSE));
        agent(proxy, backend.hostAndPort());

        proxy.offer("t", "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");

        assertEquals("GET " + target + " HTTP/1.1", backend.awaitRequest(WAIT).requestLine());
        assertEquals(200, Messages.readResponse(proxy.awaitPosted("t", WAIT).body(), "GET").status());
    }

    @Test
    void getWithoutBodyGetsNoAddedHeaders() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(OK_RESPONSE));
        agent(proxy, backend.hostAndPort());

        proxy.offer("g", "GET /plain HTTP/1.1\r\nHost: client.example\r\n\r\n");

        // No User-Agent, Accept-Encoding, Upgrade or Expect of HttpClient's own.
        assertEquals("GET /plain HTTP/1.1\r\nHost: client.example\r\nConnection: keep-alive\r\n\r\n",
                backend.awaitRequest(WAIT).rawHead());
        assertEquals("ok", Messages.readResponse(proxy.awaitPosted("g", WAIT).body(), "GET").bodyText());
    }

    @Test
    void chunkedBodiesAndTrailersPassBothWays() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"
                + "6\r\nevent \r\n5\r\none\n\n\r\n0\r\nX-Done: yes\r\nX-Count: 2\r\n\r\n"));
        agent(proxy, backend.hostAndPort());

        proxy.offer("c", "PUT /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "4\r\nabcd\r\n3\r\nefg\r\n0\r\nX-Checksum: 7\r\n\r\n");

        RawBackend.Received backendRequest = backend.awaitRequest(WAIT);
        assertTrue(backendRequest.rawHead().contains("\r\nTransfer-Encoding: chunked\r\n"), backendRequest.rawHead());
        assertEquals("abcdefg", backendRequest.bodyText());
        assertEquals(List.of("X-Checksum: 7"), Messages.lines(backendRequest.trailers()));

        FakeProxy.Posted posted = proxy.awaitPosted("c", WAIT);
        Messages.Response response = Messages.readResponse(posted.body(), "PUT");
        assertEquals("event one\n\n", response.bodyText());
        assertEquals(List.of("X-Done: yes", "X-Count: 2"), Messages.lines(response.trailers()));
        assertTrue(posted.text().contains("\r\nTransfer-Encoding: chunked\r\n"), posted.text());
    }

    @Test
    void expectContinueIsNotAskedAgain() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(OK_RESPONSE));
        agent(proxy, backend.hostAndPort());

        long start = System.nanoTime();
        proxy.offer("e", "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");

        RawBackend.Received backendRequest = backend.awaitRequest(WAIT);
        assertEquals("PUT /f HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n",
                backendRequest.rawHead());
        assertEquals("abc", backendRequest.bodyText());
        assertEquals(200, Messages.readResponse(proxy.awaitPosted("e", WAIT).body(), "PUT").status());
        // HttpClient would otherwise wait up to 3 s for a 100 the raw backend never sends.
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(2).toNanos());
    }

    @Test
    void bodyUntilCloseIsPostedChunked() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend((request, connection) -> {
            connection.getOutputStream().write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"
                    .getBytes(StandardCharsets.ISO_8859_1));
            connection.close();
        });
        agent(proxy, backend.hostAndPort());

        proxy.offer("e", "GET / HTTP/1.1\r\nHost: h\r\n\r\n");

        FakeProxy.Posted posted = proxy.awaitPosted("e", WAIT);
        assertEquals("all of it", Messages.readResponse(posted.body(), "GET").bodyText());
        assertTrue(posted.text().contains("\r\nTransfer-Encoding: chunked\r\n"), posted.text());
    }

    @Test
    void headAnswerKeepsItsContentLengthAndHasNoBody() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1234\r\n\r\n"));
        agent(proxy, backend.hostAndPort());

        proxy.offer("h", "HEAD /page HTTP/1.1\r\nHost: h\r\n\r\n");

        assertEquals("HEAD /page HTTP/1.1", backend.awaitRequest(WAIT).requestLine());
        FakeProxy.Posted posted = proxy.awaitPosted("h", WAIT);
        Messages.Response response = Messages.readResponse(posted.body(), "HEAD");
        assertEquals(List.of("Content-Type: text/html", "Content-Length: 1234"), response.headerLines());
        assertEquals(0, response.body().length);
        assertTrue(posted.text().endsWith("\r\n\r\n"), posted.text());
    }

    @Test
    void noContentAnswerHasNoBody() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering("HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n"));
        agent(proxy, backend.hostAndPort());

        proxy.offer("n", "DELETE /thing/1 HTTP/1.1\r\nHost: h\r\n\r\n");

        FakeProxy.Posted posted = proxy.awaitPosted("n", WAIT);
        assertEquals("HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n", posted.text());
    }

    @Test
    void clientCannotForgeTheUserIdAndTheProxysIsForwardedOnRequest() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(OK_RESPONSE));
        agent(proxy, backend.hostAndPort(), "-forward-user-id");

        proxy.offer("u", ("GET / HTTP/1.1\r\nHost: h\r\nX-Inverting-Proxy-User-ID: mallory\r\n"
                + "Authorization: Bearer t\r\nCookie: s=1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), "alice@example.com");

        assertEquals("GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nCookie: s=1\r\n"
                        + "X-Inverting-Proxy-User-ID: alice@example.com\r\nConnection: keep-alive\r\n\r\n",
                backend.awaitRequest(WAIT).rawHead());
    }

    @Test
    void withoutForwardUserIdNoUserIdReachesTheBackend() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(OK_RESPONSE));
        agent(proxy, backend.hostAndPort());

        proxy.offer("s", ("GET / HTTP/1.1\r\nHost: h\r\nx-inverting-proxy-user-id: mallory\r\nX-Keep: 1\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1), "alice");

        assertEquals("GET / HTTP/1.1\r\nHost: h\r\nX-Keep: 1\r\nConnection: keep-alive\r\n\r\n",
                backend.awaitRequest(WAIT).rawHead());
    }

    // As the Go agent's flag: only Authorization goes, so sessions kept in cookies still work.
    @ParameterizedTest
    @ValueSource(strings = {"-strip-credentials", "-strip-credentials=true", "--strip-credentials=1"})
    void stripCredentialsRemovesOnlyAuthorization(String flag) throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(OK_RESPONSE));
        agent(proxy, backend.hostAndPort(), flag);

        proxy.offer("s", "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nCookie: s=1\r\n"
                + "authorization: Basic dTpw\r\nProxy-Authorization: Basic x\r\nX-Keep: 1\r\n\r\n");

        assertEquals("GET / HTTP/1.1\r\nHost: h\r\nCookie: s=1\r\nX-Keep: 1\r\nConnection: keep-alive\r\n\r\n",
                backend.awaitRequest(WAIT).rawHead());
    }

    @Test
    void refusedBackendIsAnswered502() throws Exception {
        FakeProxy proxy = proxy();
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        agent(proxy, "127.0.0.1:" + closedPort);

        proxy.offer("r", "GET / HTTP/1.1\r\nHost: h\r\n\r\n");

        Messages.Response response = Messages.readResponse(proxy.awaitPosted("r", WAIT).body(), "GET");
        assertEquals(502, response.status());
        assertEquals("Bad Gateway", response.head().reasonPhrase());
        assertEquals("text/plain; charset=utf-8", response.header("Content-Type"));
        assertEquals("backend 127.0.0.1:" + closedPort + " refused the connection\n", response.bodyText());
    }

    @Test
    void unknownBackendHostIsAnswered502() throws Exception {
        FakeProxy proxy = proxy();
        agent(proxy, "no-such-host.invalid:80");

        proxy.offer("u", "GET / HTTP/1.1\r\nHost: h\r\n\r\n");

        Messages.Response response = Messages.readResponse(proxy.awaitPosted("u", WAIT).body(), "GET");
        assertEquals(502, response.status());
        assertEquals("backend host of no-such-host.invalid:80 is unknown\n", response.bodyText());
    }

    @Test
    void slowBackendIsAnswered504() throws Exception {
        FakeProxy proxy = proxy();
        CountDownLatch release = new CountDownLatch(1);
        RawBackend backend = backend((request, connection) -> release.await(10, TimeUnit.SECONDS));
        resources.add(release::countDown);
        agent(proxy, backend.hostAndPort(), "-backend-timeout", "300ms");

        long start = System.nanoTime();
        proxy.offer("slow", "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");

        Messages.Response response = Messages.readResponse(proxy.awaitPosted("slow", WAIT).body(), "GET");
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, response.status());
        assertEquals("backend " + backend.hostAndPort() + " did not answer within 300ms\n", response.bodyText());
        assertTrue(tookMillis >= 300 && tookMillis < 3000, "took " + tookMillis + " ms");
    }

    @Test
    void backendBreakingMidBodyLeavesThePostedMessageIncomplete() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend((request, connection) -> {
            OutputStream out = connection.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread.sleep(200);
            connection.setSoLinger(true, 0);
            connection.close();
        });
        agent(proxy, backend.hostAndPort());

        proxy.offer("b", "GET / HTTP/1.1\r\nHost: h\r\n\r\n");

        FakeProxy.Posted posted = proxy.awaitPosted("b", WAIT);
        // The upload itself broke, and what did arrive is not a complete message.
        assertNotNull(posted.failure(), posted.text());
        assertTrue(posted.text().startsWith("HTTP/1.1 200 OK\r\n"), posted.text());
        assertThrows(IOException.class, () -> Messages.readResponse(posted.body(), "GET"));
    }

    @Test
    void backendTimingOutMidBodyLeavesThePostedMessageIncomplete() throws Exception {
        FakeProxy proxy = proxy();
        CountDownLatch release = new CountDownLatch(1);
        resources.add(release::countDown);
        RawBackend backend = backend((request, connection) -> {
            OutputStream out = connection.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            release.await(10, TimeUnit.SECONDS);
        });
        agent(proxy, backend.hostAndPort(), "-backend-timeout", "300ms");

        proxy.offer("stall", "GET / HTTP/1.1\r\nHost: h\r\n\r\n");

        FakeProxy.Posted posted = proxy.awaitPosted("stall", WAIT);
        assertNotNull(posted.failure(), posted.text());
        assertTrue(posted.text().contains("abc"), posted.text());
        assertThrows(IOException.class, () -> Messages.readResponse(posted.body(), "GET"));
    }

    @Test
    void aPostCutOffBeforeTheProxyAnsweredIsFollowedByA502OnAnotherConnection() throws Exception {
        FakeProxy proxy = proxy();
        proxy.cutNextPosts(1);
        RawBackend backend = backend(RawBackend.answering(OK_RESPONSE));
        agent(proxy, backend.hostAndPort());

        proxy.offer("cut-first", "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");

        // Without it the proxy's client would wait for the request timeout: the proxy may never
        // have seen the answer start.
        FakeProxy.Posted fallback = proxy.awaitPosted("cut-first", WAIT);
        assertTrue(fallback.text().startsWith("HTTP/1.1 502 "), fallback.text());
        assertTrue(fallback.text().contains("the agent could not pass the backend's answer on"), fallback.text());
        List<FakeProxy.Posted> posts = proxy.postsFor("cut-first");
        assertEquals(2, posts.size(), "the cut post and the 502");
        assertNotNull(posts.get(0).failure());
    }

    @Test
    void proxyCuttingThePostOffAbortsTheBackendResponse() throws Exception {
        FakeProxy proxy = proxy();
        proxy.breakPostsAfter(64 * 1024);
        CountDownLatch backendWriteFailed = new CountDownLatch(1);
        RawBackend backend = backend((request, connection) -> {
            OutputStream out = connection.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = ("400\r\n" + "x".repeat(1024) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            try {
                // An endless body: only an abort by the agent ends it.
                while (true) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                backendWriteFailed.countDown();
                throw e;
            }
        });
        agent(proxy, backend.hostAndPort());

        proxy.offer("cut", "GET /stream HTTP/1.1\r\nHost: h\r\n\r\n");

        assertNotNull(proxy.awaitPosted("cut", WAIT).failure());
        assertTrue(backendWriteFailed.await(10, TimeUnit.SECONDS), "the agent kept reading the backend");
    }

    @Test
    void proxyCuttingThePostOffAbortsTheBackendResponseOnAKeptAliveConnection() throws Exception {
        FakeProxy proxy = proxy();
        proxy.breakPostsAfter(1000);
        CountDownLatch backendWriteFailed = new CountDownLatch(1);
        RawBackend backend = backend((request, connection) -> {
            OutputStream out = connection.getOutputStream();
            if (request.head().target().equals("/first")) {
                RawBackend.answering(OK_RESPONSE).respond(request, connection);
                return;
            }
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = ("4000\r\n" + "x".repeat(16 * 1024) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            try {
                // A stream with pauses, as from a server-sent events backend: only an abort ends it.
                while (true) {
                    out.write(chunk);
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException e) {
                backendWriteFailed.countDown();
                throw e;
            }
        });
        agent(proxy, backend.hostAndPort());
        proxy.offer("first", "GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
        proxy.awaitPosted("first", WAIT);

        // The pool hands out the connection the first request left open.
        proxy.offer("cut", "GET /stream HTTP/1.1\r\nHost: h\r\n\r\n");

        assertNotNull(proxy.awaitPosted("cut", WAIT).failure());
        assertTrue(backendWriteFailed.await(5, TimeUnit.SECONDS), "the agent kept the backend connection open");
    }

    @Test
    void backendAnsweringBeforeTakingTheBodyIsPassedOn() throws Exception {
        FakeProxy proxy = proxy();
        ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        resources.add(backend);
        Thread server = new Thread(() -> answerEachHeadAt(backend,
                "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbig!"));
        server.setDaemon(true);
        server.start();
        Agent agent = agent(proxy, "127.0.0.1:" + backend.getLocalPort());
        int size = 4 * 1024 * 1024;

        proxy.offer("big", "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + size + "\r\n\r\n" + "x".repeat(size));

        Messages.Response response = Messages.readResponse(proxy.awaitPosted("big", WAIT).body(), "POST");
        assertEquals(413, response.status());
        assertEquals("big!", response.bodyText());
        // The rest of the body was read and dropped: the request read ended and the exchange with it.
        Wait.until(() -> agent.inFlight() == 0, WAIT, "the exchange ended");
    }

    // Answers every request as soon as its head is in, without reading its body, and closes.
    private static void answerEachHeadAt(ServerSocket backend, String answer) {
        while (!backend.isClosed()) {
            try (Socket connection = backend.accept()) {
                InputStream in = connection.getInputStream();
                int last4 = 0;
                while (last4 != 0x0d0a0d0a) {
                    int b = in.read();
                    if (b == -1) {
                        break;
                    }
                    last4 = (last4 << 8) | b;
                }
                connection.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException e) {
                // Closed by the test, or the agent went away.
            }
        }
    }

    @Test
    void brokenRequestBodyIsNeverCompletedTowardsTheBackend() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(OK_RESPONSE));
        agent(proxy, backend.hostAndPort());

        // The chunked body ends without its last chunk: the request read ends mid-body.
        proxy.offer("x", "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");

        // The backend must not see a complete request, so it never gets to answer one.
        assertNull(backend.pollRequest(Duration.ofMillis(1500)));
        assertFalse(proxy.hasPosted("x"));
    }

    @Test
    void requestGoneIsDroppedWithoutAnswer() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(OK_RESPONSE));
        agent(proxy, backend.hostAndPort());

        proxy.offerGone("gone");
        proxy.offer("later", "GET /later HTTP/1.1\r\nHost: h\r\n\r\n");

        assertEquals("GET /later HTTP/1.1", backend.awaitRequest(WAIT).requestLine());
        assertEquals(200, Messages.readResponse(proxy.awaitPosted("later", WAIT).body(), "GET").status());
        assertTrue(proxy.reads().contains(new FakeProxy.Read("gone", "test-backend")), proxy.reads().toString());
        assertFalse(proxy.hasPosted("gone"));
        assertNull(backend.pollRequest(Duration.ofMillis(100)));
    }

    @Test
    void malformedRequestMessageIsAnswered400() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(OK_RESPONSE));
        agent(proxy, backend.hostAndPort(), "-max-header-bytes", "256");

        proxy.offer("big", "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + "b".repeat(300) + "\r\n\r\n");

        Messages.Response response = Messages.readResponse(proxy.awaitPosted("big", WAIT).body(), "GET");
        assertEquals(400, response.status());
        assertTrue(response.bodyText().startsWith("agent could not read the request: "), response.bodyText());
        assertNull(backend.pollRequest(Duration.ofMillis(100)));
    }

    @Test
    void beyondMaxInFlightRequestsAreAnswered503WithoutBeingRead() throws Exception {
        FakeProxy proxy = proxy();
        CountDownLatch release = new CountDownLatch(1);
        resources.add(release::countDown);
        RawBackend backend = backend((request, connection) -> {
            release.await(10, TimeUnit.SECONDS);
            RawBackend.answering(OK_RESPONSE).respond(request, connection);
        });
        Agent agent = agent(proxy, backend.hostAndPort(), "-max-in-flight", "1");

        proxy.offer("first", "GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
        backend.awaitRequest(WAIT);
        assertEquals(1, agent.inFlight());
        Map<String, String> more = new LinkedHashMap<>();
        more.put("second", "GET /second HTTP/1.1\r\nHost: h\r\n\r\n");
        proxy.offerAll(more);

        Messages.Response rejected = Messages.readResponse(proxy.awaitPosted("second", WAIT).body(), "GET");
        assertEquals(503, rejected.status());
        assertEquals("agent is at its limit of 1 requests in flight\n", rejected.bodyText());
        assertEquals(List.of("first"), proxy.reads().stream().map(FakeProxy.Read::requestId).toList());

        release.countDown();
        assertEquals(200, Messages.readResponse(proxy.awaitPosted("first", WAIT).body(), "GET").status());
    }
}
