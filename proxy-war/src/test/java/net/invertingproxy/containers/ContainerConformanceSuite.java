package net.invertingproxy.containers;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.servlet.http.HttpServletResponse;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.protocol.PendingRequests;
import net.invertingproxy.tunnel.PatternedStream;
import net.invertingproxy.tunnel.RawAgent;
import net.invertingproxy.tunnel.RawClient;
import net.invertingproxy.tunnel.RawResponse;
import net.invertingproxy.tunnel.TestBackend;
import net.invertingproxy.tunnel.WebSocketBackend;
import net.invertingproxy.tunnel.WebSocketPeer;

/**
 * The conformance subset of the end-to-end suite, run against the proxy WAR in one real container
 * ({@link #startProxy}), started once for the class as its own process, with a real backend and
 * the real agent in this JVM, or a {@link RawAgent} where a test must control the agent's every byte.
 *
 * <p>Covered: routing (method, target, headers, body there; status, repeated {@code Set-Cookie},
 * body back; no body for HEAD and 204; {@code Expect: 100-continue} answered only once an agent
 * reads), 100 MiB each way (the upload with a length and chunked), a poll held for the whole
 * default hold time (25 s) and a request delivered to a poll 20 s into its hold, and the failure
 * paths: 503 with no agent, 504 when no agent answers, 502 when the backend refuses, 504 from the
 * agent for a slow backend, and a connection abort when the agent dies mid-response, which the
 * container must not log as a warning or error (it is an expected event); and WebSockets through
 * the container's servlet upgrade to a real WebSocket backend: messages both ways, a 10 MB one,
 * 100 sockets at once, close codes both ways, a refused upgrade, a vanished client and a vanished
 * backend.
 *
 * <p>The proxy runs with {@code request-timeout-seconds=3} and {@code agent-offline-after-seconds=2}
 * (so the failure paths are quick) and every other setting at its default. Tests run in a fixed
 * order only to switch agents rarely; each one sets up the agent it needs, so any one runs alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(ContainerConformanceSuite.LogTailOnFailure.class)
abstract class ContainerConformanceSuite {
    private static final long HUNDRED_MIB = 100L << 20;
    private static final Duration POLL_HOLD = Duration.ofSeconds(25);
    private static final String NO_AGENT = "no agent is connected for this backend\n";
    private static final String NO_ANSWER_WITHIN_3S = "no agent answered within 3 s\n";
    private static final String GET_X = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";

    /** Which real agent runs: the backend it forwards to and its extra flags. */
    private record AgentSpec(String backendHost, List<String> flags) {
    }

    private ProxyUnderTest proxy;
    private TestBackend backend;
    private CloseableHttpClient client;
    private ExecutorService threads;
    private Agent agent;
    private AgentSpec agentSpec;
    private String agentCredential;
    private long classStarted;
    private WebSocketBackend webSocketBackend;

    /** Starts the container under test with these proxy settings and waits until {@code /healthz} answers 200. */
    protected abstract ProxyUnderTest startProxy(Map<String, String> settings) throws Exception;

    @BeforeAll
    void startContainer() throws Exception {
        classStarted = System.nanoTime();
        threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "conformance-test");
            thread.setDaemon(true);
            return thread;
        });
        backend = new TestBackend();
        client = HttpClients.custom()
                .disableRedirectHandling()
                .disableContentCompression()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(50).setMaxConnPerRoute(50).build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(60)).build())
                .build();
        long started = System.nanoTime();
        ContainerStart.Started container = ContainerStart.start(this::startProxy, getClass().getSimpleName());
        proxy = container.proxy();
        agentCredential = container.agentCredential();
        System.out.printf("%s: started in %.1f s on port %d (logs in %s)%n", proxy.name(), seconds(started), proxy.port(),
                proxy.logDirectory());
    }

    @AfterAll
    void stopContainer() throws Exception {
        try {
            stopAgent();
            if (client != null) {
                client.close();
            }
        } finally {
            if (proxy != null) {
                boolean alive = proxy.isAlive();
                long stopping = System.nanoTime();
                proxy.close();
                System.out.printf("%s: stopped in %.1f s; whole class took %.1f s%n", proxy.name(), seconds(stopping),
                        seconds(classStarted));
                if (!alive) {
                    System.out.println(proxy.logTail(60));
                }
                assertTrue(alive, proxy.name() + " had died before the end of the suite; see " + proxy.logDirectory());
            }
            if (backend != null) {
                backend.close();
            }
            if (webSocketBackend != null) {
                webSocketBackend.close();
            }
            if (threads != null) {
                threads.shutdownNow();
            }
        }
    }

    @BeforeEach
    void resetBackend() {
        backend.behave((request, response, recorded) -> response.setStatus(204));
        backend.forgetRequests();
    }

    // ---------------------------------------------------------------- 1. routing

    @Test
    @Order(1)
    void putWithQueryRepeatedHeadersAndBodyArrivesAsSentAndItsAnswerComesBack() throws Exception {
        useDefaultAgent();
        AtomicReference<byte[]> bodySeen = new AtomicReference<>();
        byte[] answer = "created".getBytes(UTF_8);
        backend.behave((request, response, recorded) -> {
            bodySeen.set(TestBackend.readAll(request.getInputStream()));
            response.setStatus(201);
            response.addHeader("Set-Cookie", "a=1; Path=/");
            response.addHeader("Set-Cookie", "b=2; Path=/; HttpOnly");
            response.addHeader("X-Backend", "yes");
            response.setContentType("text/plain");
            response.setContentLength(answer.length);
            response.getOutputStream().write(answer);
        });
        String target = "/api/v1/items/%7Eweird%20name;v=1?q=a+b&empty=&x=%2F%3F&x=2";
        byte[] payload = "{\"name\":\"widget\"}".getBytes(UTF_8);
        String host = "127.0.0.1:" + proxy.port();

        RawResponse response;
        try (RawClient raw = RawClient.connect(proxy.port())) {
            raw.send("PUT " + target + " HTTP/1.1\r\n"
                    + "Host: " + host + "\r\n"
                    + "X-Multi: one\r\n"
                    + "Authorization: Bearer token\r\n"
                    + "X-Multi: two\r\n"
                    + "Content-Type: application/x-widget\r\n"
                    + "Content-Length: " + payload.length + "\r\n"
                    + "\r\n");
            raw.send(payload);
            response = raw.readResponse();
        }

        TestBackend.RecordedRequest seen = backend.nextRequest();
        assertEquals("PUT", seen.method());
        assertEquals(target, seen.target());
        assertEquals(List.of("one", "two"), seen.headerValues("X-Multi"));
        assertEquals("Bearer token", seen.header("Authorization"));
        assertEquals("application/x-widget", seen.header("Content-Type"));
        assertEquals(Integer.toString(payload.length), seen.header("Content-Length"));
        assertEquals(host, seen.header("Host"));
        assertEquals("127.0.0.1", seen.header("X-Forwarded-For"));
        assertEquals("http", seen.header("X-Forwarded-Proto"));
        assertEquals(host, seen.header("X-Forwarded-Host"));
        assertArrayEquals(payload, bodySeen.get());

        assertEquals(201, response.status(), response.toString());
        assertEquals(List.of("a=1; Path=/", "b=2; Path=/; HttpOnly"), response.headerValues("Set-Cookie"), response.toString());
        assertEquals("yes", response.header("X-Backend"), response.toString());
        assertEquals(Integer.toString(answer.length), response.header("Content-Length"), response.toString());
        assertNull(response.header("Transfer-Encoding"), response.toString());
        assertEquals("created", response.bodyText());
    }

    @Test
    @Order(2)
    void headAnswerKeepsTheLengthAndCarriesNoBody() throws Exception {
        useDefaultAgent();
        backend.behave((request, response, recorded) -> {
            if (request.getMethod().equals("HEAD")) {
                response.setStatus(200);
                response.setContentType("application/octet-stream");
                response.setContentLength(1234);
            } else {
                answerText(response, "next");
            }
        });

        try (RawClient raw = RawClient.connect(proxy.port())) {
            raw.send("HEAD /file HTTP/1.1\r\nHost: a\r\n\r\n");
            RawResponse head = RawResponse.read(raw.input(), true);
            assertEquals(200, head.status(), head.toString());
            assertEquals("1234", head.header("Content-Length"), head.toString());
            // Any body byte after the head would garble the next response on the connection.
            assertNextResponseOnConnectionIsClean(raw);
        }
        assertEquals("HEAD", backend.nextRequest().method());
    }

    @Test
    @Order(3)
    void noContentAnswerCarriesNoBody() throws Exception {
        useDefaultAgent();
        backend.behave((request, response, recorded) -> {
            if (request.getRequestURI().equals("/empty")) {
                response.setStatus(204);
                response.setHeader("ETag", "\"v1\"");
            } else {
                answerText(response, "next");
            }
        });

        try (RawClient raw = RawClient.connect(proxy.port())) {
            raw.send("GET /empty HTTP/1.1\r\nHost: a\r\n\r\n");
            RawResponse empty = raw.readResponse();
            assertEquals(204, empty.status(), empty.toString());
            assertEquals("\"v1\"", empty.header("ETag"), empty.toString());
            assertNull(empty.header("Transfer-Encoding"), empty.toString());
            assertNull(empty.header("Content-Length"), empty.toString());
            assertNextResponseOnConnectionIsClean(raw);
        }
    }

    // ---------------------------------------------------------------- 2. 100 MiB each way

    @Test
    @Order(4)
    void hundredMibUploadArrivesIntact() throws Exception {
        useDefaultAgent();
        backend.behave((request, response, recorded) -> answerText(response, PatternedStream.digest(request.getInputStream())));
        HttpPost upload = new HttpPost(uri("/upload"));
        upload.setEntity(new InputStreamEntity(new PatternedStream(HUNDRED_MIB), HUNDRED_MIB, ContentType.APPLICATION_OCTET_STREAM));

        long started = System.nanoTime();
        String digestSeenByBackend = client.execute(upload, response -> {
            assertEquals(200, response.getCode());
            return EntityUtils.toString(response.getEntity());
        });
        System.out.printf("%s: 100 MiB upload in %.1f s%n", proxy.name(), seconds(started));

        assertEquals(PatternedStream.digestOf(HUNDRED_MIB), digestSeenByBackend);
        assertEquals(Long.toString(HUNDRED_MIB), backend.nextRequest().header("Content-Length"));
    }

    @Test
    @Order(5)
    void hundredMibChunkedUploadArrivesIntact() throws Exception {
        useDefaultAgent();
        backend.behave((request, response, recorded) -> answerText(response, PatternedStream.digest(request.getInputStream())));
        HttpPost upload = new HttpPost(uri("/upload-chunked"));
        // No length: the client sends it chunked, and so does the proxy to the agent.
        upload.setEntity(new InputStreamEntity(new PatternedStream(HUNDRED_MIB), -1, ContentType.APPLICATION_OCTET_STREAM));

        long started = System.nanoTime();
        String digestSeenByBackend = client.execute(upload, response -> {
            assertEquals(200, response.getCode());
            return EntityUtils.toString(response.getEntity());
        });
        System.out.printf("%s: 100 MiB chunked upload in %.1f s%n", proxy.name(), seconds(started));

        assertEquals(PatternedStream.digestOf(HUNDRED_MIB), digestSeenByBackend);
        assertNull(backend.nextRequest().header("Content-Length"));
    }

    @Test
    @Order(6)
    void hundredMibDownloadArrivesIntact() throws Exception {
        useDefaultAgent();
        backend.behave((request, response, recorded) -> {
            response.setStatus(200);
            response.setContentLengthLong(HUNDRED_MIB);
            new PatternedStream(HUNDRED_MIB).transferTo(response.getOutputStream());
        });

        long started = System.nanoTime();
        String digestSeenByClient = client.execute(new HttpGet(uri("/download")), response -> {
            assertEquals(200, response.getCode());
            assertEquals(Long.toString(HUNDRED_MIB), response.getFirstHeader("Content-Length").getValue());
            return PatternedStream.digest(response.getEntity().getContent());
        });
        System.out.printf("%s: 100 MiB download in %.1f s%n", proxy.name(), seconds(started));

        assertEquals(PatternedStream.digestOf(HUNDRED_MIB), digestSeenByClient);
    }

    // ---------------------------------------------------------------- 4. failure paths

    @Test
    @Order(7)
    void noAgentGives503AtOnceWithRetryAfter() throws Exception {
        if (!useNoAgent()) {
            // No poll is held; once none has ended within agent-offline-after-seconds (2 s), there is no agent.
            Thread.sleep(2_500);
        }

        long started = System.nanoTime();
        Answer answer = get("/no-agent");
        Duration took = since(started);

        assertEquals(503, answer.status(), answer.toString());
        assertEquals(NO_AGENT, answer.body());
        assertEquals("1", answer.header("Retry-After"), answer.toString());
        assertTrue(took.compareTo(Duration.ofSeconds(1)) < 0, "took " + took);
    }

    /**
     * {@code Expect: 100-continue} is answered by the proxy when an agent starts reading the body
     * (docs/protocol.md), not by the container as soon as the request arrives: until then the
     * client holds its body back, and a request that ends in 503 or 504 costs it no upload.
     */
    @Test
    @Order(8)
    void expectContinueIsAnsweredOnlyWhenTheAgentReadsTheBody() throws Exception {
        useNoAgent();
        RawAgent rawAgent = new RawAgent(proxy.port());
        bringOnline(rawAgent);
        CompletableFuture<String> polled = pollOne();
        try (RawClient raw = RawClient.connect(proxy.port())) {
            raw.send("POST /expect HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            String requestId = polled.get(5, TimeUnit.SECONDS);

            RawClient.Received whileParked = raw.readTimeout(1_000).readToEnd();
            assertEquals(RawClient.Ending.TIMEOUT, whileParked.ending(), whileParked.toString());
            assertEquals("", whileParked.text(), "the client was answered before any agent read its request");

            CompletableFuture<RawResponse> read = async(() -> rawAgent.readRequest(requestId));
            String interim = new String(raw.readTimeout(5_000).readUntil("\r\n\r\n"), ISO_8859_1);
            assertTrue(interim.startsWith("HTTP/1.1 100"), interim);
            raw.send("hello");
            RawResponse message = read.get(5, TimeUnit.SECONDS);
            assertStatus(200, message);
            assertTrue(message.bodyText().endsWith("\r\n\r\nhello"), message.bodyText());
            assertFalse(message.bodyText().toLowerCase(Locale.ROOT).contains("expect:"), message.bodyText());
            assertStatus(200, rawAgent.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
            RawResponse answer = raw.readResponse();
            assertEquals(200, answer.status(), answer.toString());
            assertEquals("ok", answer.bodyText());
        }
    }

    @Test
    @Order(9)
    void requestTakenButNeverAnsweredGives504AfterRequestTimeout() throws Exception {
        useNoAgent();
        RawAgent rawAgent = new RawAgent(proxy.port());
        bringOnline(rawAgent);
        CompletableFuture<String> polled = pollOne();

        long started = System.nanoTime();
        CompletableFuture<Answer> answer = async(() -> get("/never-answered"));
        String requestId = polled.get(5, TimeUnit.SECONDS);
        Answer got = answer.get(10, TimeUnit.SECONDS);
        Duration took = since(started);

        assertEquals(504, got.status(), got.toString());
        assertEquals(NO_ANSWER_WITHIN_3S, got.body());
        assertBetween(took, Duration.ofMillis(2_900), Duration.ofSeconds(5));
        // The timed-out exchange is gone: the agent can neither read nor answer it any more.
        assertStatus(404, rawAgent.readRequest(requestId));
        assertStatus(404, rawAgent.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    }

    // ---------------------------------------------------------------- 5. the agent dies mid-response

    @Test
    @Order(10)
    void agentDyingMidChunkedResponseBreaksTheClientConnection() throws Exception {
        assertClientSeesBrokenResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    }

    @Test
    @Order(11)
    void agentDyingMidContentLengthResponseBreaksTheClientConnection() throws Exception {
        assertClientSeesBrokenResponse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello");
    }

    private void assertClientSeesBrokenResponse(String partialMessage) throws Exception {
        useNoAgent();
        RawAgent rawAgent = new RawAgent(proxy.port());
        bringOnline(rawAgent);
        CompletableFuture<String> polled = pollOne();
        try (RawClient raw = RawClient.connect(proxy.port())) {
            raw.send(GET_X);
            String requestId = polled.get(5, TimeUnit.SECONDS);
            assertStatus(200, rawAgent.readRequest(requestId));
            RawAgent.Post post = rawAgent.openPost(requestId);
            post.chunk(partialMessage);
            // The response has started: the client has the head and the first body bytes.
            byte[] start = raw.readUntil("hello");
            assertTrue(new String(start, ISO_8859_1).startsWith("HTTP/1.1 200"), new String(start, ISO_8859_1));

            Map<Path, Long> logsBefore = logSizes();
            post.die();
            RawClient.Received rest = raw.readTimeout(5_000).readToEnd();

            byte[] all = concat(start, rest.bytes());
            String seen = new String(all, ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
            System.out.printf("%s: agent died mid-response; the client's connection ended with %s after: %s%n",
                    proxy.name(), rest.ending(), seen);
            assertNotEquals(RawClient.Ending.TIMEOUT, rest.ending(),
                    "the proxy left the client's connection open after the agent died; got " + seen);
            assertFalse(rest.text().contains("0\r\n\r\n"), "the client got a last chunk: " + seen);
            assertThrows(IOException.class, () -> RawResponse.read(new ByteArrayInputStream(all), false),
                    () -> "the client got a complete-looking response: " + seen);
            serveOneNormally(rawAgent);
            assertNoWarningLoggedSince(logsBefore, "the deliberate abort of the client's connection");
        }
    }

    // ---------------------------------------------------------------- 3. a poll held for its whole hold time

    /**
     * Two raw polls with the default hold (25 s): a request sent 20 s in goes to one of them at
     * once; the other is answered {@code []} when its hold ends, after 24-27 s. Neither is cut
     * short by the container's own timeouts.
     */
    @Test
    @Order(12)
    void pollIsHeldForTheWholeHoldTimeAndStillTakesWorkLateInIt() throws Exception {
        useNoAgent();
        RawAgent rawAgent = new RawAgent(proxy.port());
        long firstStarted = System.nanoTime();
        CompletableFuture<TimedResponse> first = async(this::longPoll);
        Thread.sleep(300);
        CompletableFuture<TimedResponse> second = async(this::longPoll);

        sleepUntil(firstStarted + Duration.ofSeconds(20).toNanos());
        for (CompletableFuture<TimedResponse> poll : List.of(first, second)) {
            assertFalse(poll.isDone(), () -> "a poll ended before the hold time: " + poll.join());
        }
        long sent = System.nanoTime();
        CompletableFuture<Answer> answer = async(() -> get("/late-in-the-hold"));

        CompletableFuture.anyOf(first, second).get(5, TimeUnit.SECONDS);
        CompletableFuture<TimedResponse> delivering = first.isDone() ? first : second;
        CompletableFuture<TimedResponse> idle = delivering == first ? second : first;
        TimedResponse delivered = delivering.get();
        assertStatus(200, delivered.response());
        List<String> ids = PendingRequests.parse(delivered.response().bodyText()).requestIds();
        assertEquals(1, ids.size(), delivered.toString());
        assertTrue(since(sent).compareTo(Duration.ofSeconds(2)) < 0, "delivered " + since(sent) + " after the request");
        answerWith(rawAgent, ids.get(0), "delivered late in the hold");
        Answer got = answer.get(5, TimeUnit.SECONDS);
        assertEquals(200, got.status(), got.toString());
        assertEquals("delivered late in the hold", got.body());

        TimedResponse empty = idle.get(15, TimeUnit.SECONDS);
        assertStatus(200, empty.response());
        assertEquals("[]", empty.response().bodyText(), empty.toString());
        assertBetween(empty.took(), POLL_HOLD.minusSeconds(1), POLL_HOLD.plusSeconds(2));
        System.out.printf("%s: held poll answered [] after %.1f s%n", proxy.name(), empty.took().toMillis() / 1000.0);
    }

    // ---------------------------------------------------------------- 4. failure paths reported by the agent

    @Test
    @Order(13)
    void backendRefusingConnectionsGives502FromTheAgent() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String refusing = "127.0.0.1:" + closedPort;
        useAgent(new AgentSpec(refusing, List.of()), false);

        Answer first = awaitFirstAnswerFromAgent("/refused");
        Answer second = get("/refused");

        for (Answer each : List.of(first, second)) {
            assertEquals(502, each.status(), each.toString());
            assertEquals("backend " + refusing + " refused the connection\n", each.body());
        }
    }

    @Test
    @Order(14)
    void backendSlowerThanTheAgentsBackendTimeoutGives504FromTheAgent() throws Exception {
        useAgent(new AgentSpec(backend.hostAndPort(), List.of("-backend-timeout", "1s")), true);
        backend.behave((request, response, recorded) -> {
            Thread.sleep(3_000);
            response.setStatus(200);
        });

        long started = System.nanoTime();
        Answer answer = get("/slow");
        Duration took = since(started);

        assertEquals(504, answer.status(), answer.toString());
        assertEquals("backend " + backend.hostAndPort() + " did not answer within 1s\n", answer.body());
        assertBetween(took, Duration.ofMillis(900), Duration.ofMillis(2_900));
    }

    // ---------------------------------------------------------------- 5. WebSockets

    @Test
    @Order(15)
    void webSocketMessagesAndCloseCodesPassBothWays() throws Exception {
        useWebSocketAgent();
        WebSocketPeer peer = WebSocketPeer.open(ws("/echo"), "chat");

        assertEquals("chat", peer.socket().getSubprotocol());
        assertEquals("hello", peer.sendText("hello").nextMessage(Duration.ofSeconds(20)));
        assertArrayEquals(new byte[] {0, 1, (byte) 255}, (byte[]) peer.sendBinary(new byte[] {0, 1, (byte) 255})
                .nextMessage(Duration.ofSeconds(20)));
        peer.socket().sendClose(4001, "client says bye").get();
        assertEquals(new WebSocketBackend.Close(4001, "client says bye"), webSocketBackend.nextClose());

        WebSocketPeer second = WebSocketPeer.open(ws("/echo"));
        second.sendText("close 4002 server says bye");
        assertEquals(new WebSocketPeer.Ending(4002, "server says bye", null), second.ending(Duration.ofSeconds(20)));
    }

    @Test
    @Order(16)
    void aTenMegabyteWebSocketMessageArrivesWholeAndAHundredSocketsWorkAtOnce() throws Exception {
        useWebSocketAgent();
        byte[] message = new byte[10 * 1024 * 1024];
        new java.util.Random(11).nextBytes(message);
        WebSocketPeer big = WebSocketPeer.open(ws("/echo"));
        assertArrayEquals(message, (byte[]) big.sendBinary(message).nextMessage(Duration.ofSeconds(60)));
        big.socket().sendClose(1000, "").get();

        List<WebSocketPeer> peers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            peers.add(WebSocketPeer.open(ws("/echo")));
        }
        for (int i = 0; i < peers.size(); i++) {
            peers.get(i).sendText("socket " + i);
        }
        for (int i = 0; i < peers.size(); i++) {
            assertEquals("socket " + i, peers.get(i).nextMessage(Duration.ofSeconds(20)));
        }
        for (WebSocketPeer peer : peers) {
            peer.socket().sendClose(1000, "").get();
        }
    }

    @Test
    @Order(17)
    void aRefusedUpgradeGivesTheBackendsAnswerAndAVanishedPeerClosesTheOthersSocket() throws Exception {
        useWebSocketAgent();
        String handshake = " HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        try (RawClient refused = RawClient.connect(proxy.port())) {
            RawResponse answer = refused.send("GET /refuse" + handshake).readResponse();
            assertEquals(403, answer.status(), answer.toString());
            assertEquals(WebSocketBackend.REFUSAL, answer.bodyText());
        }
        try (RawClient vanishing = RawClient.connect(proxy.port())) {
            String head = new String(vanishing.send("GET /echo" + handshake).readUntil("\r\n\r\n"), ISO_8859_1);
            assertTrue(head.startsWith("HTTP/1.1 101 "), head);
            assertTrue(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), head);
            vanishing.closeAbruptly();
        }
        assertEquals(1006, webSocketBackend.nextClose().code());

        WebSocketPeer dropped = WebSocketPeer.open(ws("/echo"));
        dropped.sendText("drop");
        WebSocketPeer.Ending ending = dropped.ending(Duration.ofSeconds(20));
        assertTrue(ending.abnormal(), "a backend gone without a close frame must not look like a clean close: " + ending);
    }

    @Test
    @Order(18)
    void theDashboardReplaysAnInspectedRequestThroughTheTunnel() throws Exception {
        useDefaultAgent();
        AtomicInteger answers = new AtomicInteger();
        backend.behave((request, response, recorded) -> answerText(response, "answer " + answers.incrementAndGet()));
        String first = client.execute(new HttpGet(uri("/replay-me-in-a-container")), r -> EntityUtils.toString(r.getEntity()));
        String token = ContainerStart.SETTINGS.get("admin-token");

        long sequence = -1;
        String lines = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (sequence < 0 && System.nanoTime() < deadline) {
            HttpGet list = new HttpGet(uri("/_dashboard/api/backends/default/exchanges"));
            list.addHeader("Authorization", "Bearer " + token);
            lines = client.execute(list, r -> EntityUtils.toString(r.getEntity()));
            for (JsonElement line : JsonParser.parseString(lines).getAsJsonArray()) {
                if (line.getAsJsonObject().get("target").getAsString().equals("/replay-me-in-a-container")) {
                    sequence = line.getAsJsonObject().get("sequence").getAsLong();
                }
            }
        }
        assertTrue(sequence > 0, "the request never appeared in the inspector: " + lines);
        HttpPost replay = new HttpPost(uri("/_dashboard/api/backends/default/exchanges/" + sequence + "/replay"));
        replay.addHeader("Authorization", "Bearer " + token);
        replay.addHeader("X-Requested-By", "inverting-proxy-dashboard");
        String[] replayed = client.execute(replay, r -> new String[] {Integer.toString(r.getCode()),
                EntityUtils.toString(r.getEntity())});

        assertEquals("200", replayed[0], replayed[1]);
        assertTrue(replayed[1].startsWith("answer "), replayed[1]);
        assertNotEquals(first, replayed[1], "the replay's answer is a new one");
        assertEquals(2, answers.get(), "the backend answered the request and its replay");
    }

    private void useWebSocketAgent() throws Exception {
        if (webSocketBackend == null) {
            webSocketBackend = new WebSocketBackend();
        }
        useAgent(new AgentSpec(webSocketBackend.hostAndPort(), List.of()), false);
        awaitFirstAnswerFromAgent("/conformance-websocket-probe");
        // The backend is shared by the tests: each sees the closes of its own sockets only.
        webSocketBackend.forgetCloses();
    }

    private URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + proxy.port() + path);
    }

    // ---------------------------------------------------------------- agents

    private void useDefaultAgent() throws Exception {
        useAgent(new AgentSpec(backend.hostAndPort(), List.of()), true);
    }

    /**
     * Makes the given real agent the only one. With {@code probe}, waits until a request reaches the
     * backend through it (the backend must be working).
     */
    private void useAgent(AgentSpec spec, boolean probe) throws Exception {
        if (agent != null && spec.equals(agentSpec)) {
            return;
        }
        useNoAgent();
        List<String> args = new ArrayList<>(List.of("-proxy", proxy.baseUri().toString(), "-backend", "default",
                "-host", spec.backendHost(), "-credential", agentCredential));
        args.addAll(spec.flags());
        agent = Agent.start(AgentConfig.parse(args.toArray(String[]::new)));
        agentSpec = spec;
        if (probe) {
            TestBackend.Behaviour previous = backend.currentBehaviour();
            backend.behave((request, response, recorded) -> response.setStatus(204));
            try {
                Answer first = awaitFirstAnswerFromAgent("/conformance-probe");
                assertEquals(204, first.status(), "the probe through the new agent: " + first);
            } finally {
                backend.behave(previous);
                backend.forgetRequests();
            }
        }
    }

    /**
     * Stops the real agent, if one runs, and makes sure no poll of it is left at the proxy. A
     * container notices nothing when the agent closes a held poll's connection, so the poll stays
     * parked until it is given work: a request sent now takes it (and, never read, ends in 504 after
     * the request timeout). Requests are sent until one gets the no-agent 503, which proves that no
     * poll is held any more. Returns whether it did so (false: no agent was running).
     */
    private boolean useNoAgent() throws Exception {
        if (agent == null) {
            return false;
        }
        stopAgent();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Answer flush = get("/conformance-flush");
            if (flush.status() == 503 && NO_AGENT.equals(flush.body())) {
                return true;
            }
            assertEquals(504, flush.status(), "a request with no agent running: " + flush);
        }
        throw new AssertionError("polls of the stopped agent were still held 30 s after it stopped");
    }

    private void stopAgent() {
        if (agent != null) {
            agent.stop(Duration.ofSeconds(1));
            agent = null;
            agentSpec = null;
        }
    }

    /** Repeats a request while the proxy says no agent is connected; the first other answer. */
    private Answer awaitFirstAnswerFromAgent(String target) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            Answer answer = get(target);
            if (!(answer.status() == 503 && NO_AGENT.equals(answer.body()))) {
                return answer;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the agent did not start serving within 15 s");
    }

    // ---------------------------------------------------------------- raw agent helpers

    /** {@code GET agent/pending} on its own connection, as an agent sends it (keep-alive), read for up to 40 s. */
    private TimedResponse longPoll() throws IOException {
        long started = System.nanoTime();
        try (RawClient raw = RawClient.connect(proxy.port())) {
            raw.readTimeout(40_000);
            raw.send("GET /agent/pending HTTP/1.1\r\nHost: 127.0.0.1:" + proxy.port() + "\r\n"
                    + RawAgent.BACKEND_HEADER + ": default\r\nUser-Agent: conformance-test\r\n\r\n");
            return new TimedResponse(raw.readResponse(), since(started));
        }
    }

    /** A poll that must be answered with exactly one ID. */
    private CompletableFuture<String> pollOne() {
        return async(() -> {
            TimedResponse answer = longPoll();
            assertStatus(200, answer.response());
            List<String> ids = PendingRequests.parse(answer.response().bodyText()).requestIds();
            assertEquals(1, ids.size(), answer.toString());
            return ids.get(0);
        });
    }

    /**
     * Makes the backend count as online for the raw agent: a held poll takes a probe request, which
     * the agent answers 204. Until the poll reaches the proxy, probes get the no-agent 503 and are repeated.
     */
    private void bringOnline(RawAgent rawAgent) throws Exception {
        CompletableFuture<String> poll = pollOne();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            CompletableFuture<Answer> probe = async(() -> get("/raw-agent-probe"));
            CompletableFuture.anyOf(poll, probe).get(10, TimeUnit.SECONDS);
            if (poll.isDone()) {
                String id = poll.get();
                assertStatus(200, rawAgent.readRequest(id));
                assertStatus(200, rawAgent.postResponse(id, "HTTP/1.1 204 No Content\r\n\r\n"));
                Answer answered = probe.get(5, TimeUnit.SECONDS);
                assertEquals(204, answered.status(), answered.toString());
                return;
            }
            Answer early = probe.get();
            assertEquals(503, early.status(), early.toString());
            assertEquals(NO_AGENT, early.body());
            Thread.sleep(10);
        }
        fail("the raw agent's poll did not reach the proxy within 10 s");
    }

    /** Reads the request and answers it 200 with the text as body. */
    private static void answerWith(RawAgent rawAgent, String requestId, String body) throws IOException {
        assertStatus(200, rawAgent.readRequest(requestId));
        byte[] bytes = body.getBytes(UTF_8);
        assertStatus(200, rawAgent.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                + bytes.length + "\r\n\r\n" + body));
    }

    /** A normal request through the raw agent succeeds: the proxy still serves after a fault. */
    private void serveOneNormally(RawAgent rawAgent) throws Exception {
        CompletableFuture<String> polled = pollOne();
        CompletableFuture<Answer> answer = async(() -> get("/after"));
        answerWith(rawAgent, polled.get(5, TimeUnit.SECONDS), "still serving");
        Answer got = answer.get(5, TimeUnit.SECONDS);
        assertEquals(200, got.status(), got.toString());
        assertEquals("still serving", got.body());
    }

    // ---------------------------------------------------------------- container logs

    /** The container logs at a level of warning or worse: Tomcat's {@code SEVERE [thread]}, JUL's {@code WARNING:}, SLF4J-style {@code ERROR}. */
    private static final Pattern WARNING_OR_WORSE = Pattern.compile("(^|\\s)(SEVERE|WARNING|WARN|ERROR)(:|\\s)");
    /** How long a container may take to write a log line it queued (Tomcat's AsyncFileHandler writes on its own thread). */
    private static final Duration LOG_SETTLE = Duration.ofSeconds(1);

    /** The size of every file in the container's log directory now. */
    private Map<Path, Long> logSizes() throws IOException {
        Map<Path, Long> sizes = new HashMap<>();
        try (Stream<Path> files = Files.walk(proxy.logDirectory())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                sizes.put(file, Files.size(file));
            }
        }
        return sizes;
    }

    /**
     * Fails if the container logged a line at warning level or worse since the sizes were taken:
     * an expected event (what) must not look like an error to an operator.
     */
    private void assertNoWarningLoggedSince(Map<Path, Long> before, String what) throws Exception {
        Thread.sleep(LOG_SETTLE.toMillis());
        List<String> warnings = new ArrayList<>();
        try (Stream<Path> files = Files.walk(proxy.logDirectory())) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                byte[] all = Files.readAllBytes(file);
                int from = (int) Math.min(all.length, before.getOrDefault(file, 0L));
                String added = new String(all, from, all.length - from, ISO_8859_1);
                for (String line : added.split("\\r?\\n")) {
                    if (WARNING_OR_WORSE.matcher(line).find()) {
                        warnings.add(file.getFileName() + ": " + line);
                    }
                }
            }
        }
        assertEquals(List.of(), warnings, proxy.name() + " logged a warning or error for " + what);
    }

    // ---------------------------------------------------------------- client helpers

    /** What HttpClient 5 delivered: the status, every header, and the body as text. */
    private record Answer(int status, List<Header> headers, String body) {
        String header(String name) {
            for (Header header : headers) {
                if (header.getName().equalsIgnoreCase(name)) {
                    return header.getValue();
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return status + " " + headers + " body=" + body.replace("\n", "\\n");
        }
    }

    private record TimedResponse(RawResponse response, Duration took) {
    }

    private Answer get(String target) throws IOException {
        HttpGet get = new HttpGet(uri(target));
        get.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(15)).build());
        return client.execute(get, response -> {
            HttpEntity entity = response.getEntity();
            String body = entity == null ? "" : EntityUtils.toString(entity, UTF_8);
            return new Answer(response.getCode(), List.of(response.getHeaders()), body);
        });
    }

    /** After a bodiless answer, a second request on the same connection gets a clean answer and nothing else follows. */
    private static void assertNextResponseOnConnectionIsClean(RawClient raw) throws IOException {
        raw.send("GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        RawResponse next = raw.readResponse();
        assertEquals(200, next.status(), next.toString());
        assertEquals("next", next.bodyText(), next.toString());
        RawClient.Received rest = raw.readTimeout(5_000).readToEnd();
        assertEquals(0, rest.bytes().length, "bytes after the last response: " + rest);
    }

    private static void answerText(HttpServletResponse response, String text) throws IOException {
        byte[] bytes = text.getBytes(UTF_8);
        response.setStatus(200);
        response.setContentType("text/plain");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private URI uri(String target) {
        return URI.create("http://127.0.0.1:" + proxy.port() + target);
    }

    private <T> CompletableFuture<T> async(Callable<T> task) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return task.call();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, threads);
    }

    private static void assertStatus(int expected, RawResponse response) {
        assertEquals(expected, response.status(), response.toString());
    }

    private static void assertBetween(Duration actual, Duration min, Duration max) {
        assertTrue(actual.compareTo(min) >= 0 && actual.compareTo(max) <= 0,
                "took " + actual + ", expected " + min + " to " + max);
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] all = new byte[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    /** On a failed test, prints the tail of the container's logs so that CI output shows why. */
    static final class LogTailOnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            context.getTestInstance().ifPresent(instance -> {
                ProxyUnderTest proxy = ((ContainerConformanceSuite) instance).proxy;
                if (proxy != null) {
                    System.out.println("===== " + context.getDisplayName() + " failed on " + proxy.name()
                            + "; the container's logs (all in " + proxy.logDirectory() + "):");
                    System.out.println(proxy.logTail(40));
                }
            });
        }
    }
}
