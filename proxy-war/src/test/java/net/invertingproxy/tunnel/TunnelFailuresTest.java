package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;

/**
 * End-to-end failures: what a client gets when something goes wrong anywhere between it and the
 * backend, and that the proxy keeps serving afterwards. Agents are either the real agent or a
 * {@link RawAgent} played byte by byte; clients are either HttpClient 5 or a {@link RawClient}.
 */
class TunnelFailuresTest {
    private static final String NO_AGENT = "no agent is connected for this backend\n";
    private static final String QUEUE_FULL = "too many requests are waiting for this backend\n";
    private static final String NO_ANSWER_WITHIN_1S = "no agent answered within 1 s\n";
    private static final String MALFORMED_ANSWER = "the agent sent a malformed response\n";
    private static final String GET_X = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";

    private static final ExecutorService THREADS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "tunnel-failures-test");
        thread.setDaemon(true);
        return thread;
    });

    @AfterAll
    static void stopThreads() {
        THREADS.shutdownNow();
    }

    // ---------------------------------------------------------------- 1. no agent

    @Test
    void noAgentGives503AtOnceWithRetryAfter() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            long start = System.nanoTime();
            Answer answer = get(tunnel, "/x");
            Duration took = since(start);

            assertEquals(503, answer.status(), answer.toString());
            assertEquals(NO_AGENT, answer.body());
            assertEquals("1", answer.header("Retry-After"));
            assertTrue(answer.header("Content-Type").startsWith("text/plain"), answer.toString());
            assertTrue(took.compareTo(Duration.ofSeconds(1)) < 0, "took " + took);
        }
    }

    @Test
    void agentSilentLongerThanOfflineAfterGives503AtOnce() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Tunnel.settings("agent-offline-after-seconds", "1"))) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            Thread.sleep(1_500);

            long start = System.nanoTime();
            Answer answer = get(tunnel, "/x");
            Duration took = since(start);

            assertEquals(503, answer.status(), answer.toString());
            assertEquals(NO_AGENT, answer.body());
            assertEquals("1", answer.header("Retry-After"));
            assertTrue(took.compareTo(Duration.ofSeconds(1)) < 0, "took " + took);
        }
    }

    // ---------------------------------------------------------------- 2. parked past the request timeout

    @Test
    void requestNoPollTakesGives504AfterRequestTimeout() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Tunnel.settings("request-timeout-seconds", "1"))) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);

            long start = System.nanoTime();
            Answer answer = get(tunnel, "/x");
            Duration took = since(start);

            assertEquals(504, answer.status(), answer.toString());
            assertEquals(NO_ANSWER_WITHIN_1S, answer.body());
            assertBetween(took, Duration.ofMillis(900), Duration.ofSeconds(3));
        }
    }

    @Test
    void requestHandedOutButNeverReadGives504AfterRequestTimeoutAndIsForgotten() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Tunnel.settings("request-timeout-seconds", "1"))) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);

            long start = System.nanoTime();
            CompletableFuture<Answer> answer = async(() -> get(tunnel, "/x"));
            String requestId = polled.get(5, TimeUnit.SECONDS);
            Answer got = answer.get(5, TimeUnit.SECONDS);
            Duration took = since(start);

            assertEquals(504, got.status(), got.toString());
            assertEquals(NO_ANSWER_WITHIN_1S, got.body());
            assertBetween(took, Duration.ofMillis(900), Duration.ofSeconds(3));
            // The timed-out exchange is gone: the agent can neither read nor answer it any more.
            assertStatus(404, agent.readRequest(requestId));
            assertStatus(404, agent.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        }
    }

    // ---------------------------------------------------------------- 3. queue bound

    @Test
    void queueBoundReachedGives503AtOnce() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Tunnel.settings(
                "max-queued-requests", "1", "poll-hold-seconds", "1"))) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            // One poll held to its end with no work: the backend now counts as online.
            RawResponse emptyPoll = agent.poll();
            assertStatus(200, emptyPoll);
            assertEquals("[]", emptyPoll.bodyText());

            int port = tunnel.proxy.port();
            try (RawClient first = RawClient.connect(port); RawClient second = RawClient.connect(port)) {
                long start = System.nanoTime();
                first.send(GET_X);
                CompletableFuture<RawResponse> firstAnswer = async(first::readResponse);
                second.send(GET_X);
                CompletableFuture<RawResponse> secondAnswer = async(second::readResponse);

                // Whichever reached the proxy second finds the queue full; the other one waits.
                CompletableFuture.anyOf(firstAnswer, secondAnswer).get(5, TimeUnit.SECONDS);
                Duration took = since(start);
                CompletableFuture<RawResponse> refused = firstAnswer.isDone() ? firstAnswer : secondAnswer;
                CompletableFuture<RawResponse> parked = refused == firstAnswer ? secondAnswer : firstAnswer;
                RawResponse refusal = refused.get();
                assertStatus(503, refusal);
                assertEquals(QUEUE_FULL, refusal.bodyText());
                assertEquals("1", refusal.header("Retry-After"));
                assertTrue(took.compareTo(Duration.ofSeconds(1)) < 0, "took " + took);
                Thread.sleep(200);
                assertFalse(parked.isDone(), "both requests were answered: " + parked.getNow(null));

                // The queued one is still served, and once the queue is empty new requests are taken again.
                List<String> ids = agent.pollIds();
                assertEquals(1, ids.size(), ids.toString());
                answer(agent, ids.get(0), "queued one");
                RawResponse served = parked.get(5, TimeUnit.SECONDS);
                assertStatus(200, served);
                assertEquals("queued one", served.bodyText());
            }
            serveOneNormally(tunnel, agent);
        }
    }

    // ---------------------------------------------------------------- 4. backend refuses

    @Test
    void backendRefusingConnectionsGives502FromAgent() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String backend = "127.0.0.1:" + closedPort;
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            Agent agent = startAgentWithoutProbe(tunnel, backend);
            try {
                Answer first = awaitFirstAnswerFromAgent(tunnel);
                Answer answer = get(tunnel, "/x");

                for (Answer each : List.of(first, answer)) {
                    assertEquals(502, each.status(), each.toString());
                    assertEquals("backend " + backend + " refused the connection\n", each.body());
                }
            } finally {
                agent.stop(Duration.ofSeconds(1));
            }
        }
    }

    // ---------------------------------------------------------------- 5. backend too slow

    @Test
    void backendSlowerThanAgentTimeoutGives504FromAgent() throws Exception {
        try (Tunnel tunnel = Tunnel.start(Map.of(), "-backend-timeout", "1s")) {
            tunnel.backend.behave((request, response, recorded) -> {
                Thread.sleep(3_000);
                response.setStatus(200);
            });

            long start = System.nanoTime();
            Answer answer = get(tunnel, "/slow");
            Duration took = since(start);

            assertEquals(504, answer.status(), answer.toString());
            assertEquals("backend " + tunnel.backend.hostAndPort() + " did not answer within 1s\n", answer.body());
            assertBetween(took, Duration.ofMillis(900), Duration.ofMillis(2_900));
        }
    }

    // ---------------------------------------------------------------- 6. agent dies mid-response

    @Test
    void agentDyingMidChunkedResponseBreaksRawClientConnection() throws Exception {
        assertRawClientSeesBrokenResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    }

    @Test
    void agentDyingMidContentLengthResponseBreaksRawClientConnection() throws Exception {
        assertRawClientSeesBrokenResponse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello");
    }

    @Test
    void agentDyingMidChunkedResponseMakesHttpClientBodyReadFail() throws Exception {
        assertHttpClientBodyReadFails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    }

    @Test
    void agentDyingMidContentLengthResponseMakesHttpClientBodyReadFail() throws Exception {
        assertHttpClientBodyReadFails("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello");
    }

    private void assertRawClientSeesBrokenResponse(String partialMessage) throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                client.send(GET_X);
                String requestId = polled.get(5, TimeUnit.SECONDS);
                assertStatus(200, agent.readRequest(requestId));
                RawAgent.Post post = agent.openPost(requestId);
                post.chunk(partialMessage);
                // The response has started: the client has the head and the first body bytes.
                byte[] start = client.readUntil("hello");
                assertTrue(new String(start, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200 "),
                        new String(start, StandardCharsets.ISO_8859_1));

                post.die();
                RawClient.Received rest = client.readTimeout(5_000).readToEnd();

                assertNotEquals(RawClient.Ending.TIMEOUT, rest.ending(),
                        "the proxy left the client's connection open after the agent died: " + rest);
                assertFalse(rest.text().contains("0\r\n\r\n"), "the client got a last chunk: " + rest);
                byte[] all = concat(start, rest.bytes());
                assertThrows(IOException.class, () -> RawResponse.read(new ByteArrayInputStream(all), false),
                        () -> "the client got a complete-looking response: " + new String(all, StandardCharsets.ISO_8859_1));
            }
            serveOneNormally(tunnel, agent);
        }
    }

    private void assertHttpClientBodyReadFails(String partialMessage) throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            HttpGet get = new HttpGet(tunnel.uri("/x"));
            // A proxy that just stops sending would make the read time out, which must not pass for a break.
            get.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(5)).build());
            CompletableFuture<ClassicHttpResponse> opened = async(
                    () -> tunnel.client.executeOpen(new HttpHost("http", "127.0.0.1", tunnel.proxy.port()), get, null));
            String requestId = polled.get(5, TimeUnit.SECONDS);
            assertStatus(200, agent.readRequest(requestId));
            RawAgent.Post post = agent.openPost(requestId);
            post.chunk(partialMessage);
            ClassicHttpResponse response = opened.get(5, TimeUnit.SECONDS);
            try {
                assertEquals(200, response.getCode());
                InputStream body = response.getEntity().getContent();
                assertEquals("hello", new String(body.readNBytes(5), StandardCharsets.ISO_8859_1));

                post.die();

                IOException failure = assertThrows(IOException.class, body::readAllBytes);
                assertFalse(failure instanceof InterruptedIOException,
                        "the body read only timed out; the proxy did not break the connection: " + failure);
            } finally {
                closeQuietly(response);
            }
            serveOneNormally(tunnel, agent);
        }
    }

    @Test
    void agentDyingBeforeItsAnswerHeadIsCompleteGives502() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            for (boolean reset : new boolean[] {true, false}) {
                CompletableFuture<String> polled = pollOne(agent);
                CompletableFuture<Answer> client = async(() -> get(tunnel, "/x"));
                String requestId = polled.get(5, TimeUnit.SECONDS);
                assertStatus(200, agent.readRequest(requestId));
                RawAgent.Post post = agent.openPost(requestId);
                post.chunk("HTTP/1.1 200 OK\r\nX-Half: ");
                Thread.sleep(100);
                if (reset) {
                    post.die();
                } else {
                    post.close();
                }

                Answer got = client.get(5, TimeUnit.SECONDS);
                assertEquals(502, got.status(), (reset ? "reset: " : "closed: ") + got);
                assertEquals("the agent went away before answering\n", got.body());
            }
            serveOneNormally(tunnel, agent);
        }
    }

    @Test
    void answerCutShortInsideAnIntactPostBreaksClientConnectionAnd400sTheAgent() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            // The post ends cleanly, but the message in it does not: fewer bytes than its length, or no last chunk.
            for (String cutShort : List.of(
                    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: cut")) {
                CompletableFuture<String> polled = pollOne(agent);
                try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                    client.send(GET_X);
                    String requestId = polled.get(5, TimeUnit.SECONDS);
                    assertStatus(200, agent.readRequest(requestId));

                    RawResponse refusal = agent.postResponse(requestId, cutShort);

                    assertStatus(400, refusal);
                    assertOneLine(refusal.bodyText());
                    RawClient.Received received = client.readTimeout(5_000).readToEnd();
                    assertNotEquals(RawClient.Ending.TIMEOUT, received.ending(), cutShort + " -> " + received);
                    assertThrows(IOException.class,
                            () -> RawResponse.read(new ByteArrayInputStream(received.bytes()), false),
                            () -> cutShort + " -> the client got a complete-looking response: " + received);
                }
            }
            serveOneNormally(tunnel, agent);
        }
    }

    @Test
    void agentDyingMidContentLengthFramedPostBreaksClientConnection() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                client.send(GET_X);
                String requestId = polled.get(5, TimeUnit.SECONDS);
                assertStatus(200, agent.readRequest(requestId));
                // The post announces 1000 bytes; the message in it has no length of its own.
                RawAgent.Post post = agent.openPost(List.of(
                        "POST /agent/response HTTP/1.1",
                        "Host: 127.0.0.1:" + tunnel.proxy.port(),
                        RawAgent.BACKEND_HEADER + ": default",
                        RawAgent.REQUEST_HEADER + ": " + requestId,
                        "Content-Type: text/plain",
                        "Content-Length: 1000"));
                post.raw("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello");
                byte[] start = client.readUntil("hello");

                post.die();
                RawClient.Received rest = client.readTimeout(5_000).readToEnd();

                assertNotEquals(RawClient.Ending.TIMEOUT, rest.ending(), rest.toString());
                byte[] all = concat(start, rest.bytes());
                assertThrows(IOException.class, () -> RawResponse.read(new ByteArrayInputStream(all), false),
                        () -> "the client got a complete-looking response: " + new String(all, StandardCharsets.ISO_8859_1));
            }
            serveOneNormally(tunnel, agent);
        }
    }

    @Test
    void agentDyingBetweenPollAndReadGetsRequestHandedToTheNextPoll() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Tunnel.settings("claim-timeout-seconds", "1"))) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            CompletableFuture<Answer> client = async(() -> get(tunnel, "/x"));
            String requestId = polled.get(5, TimeUnit.SECONDS);
            // That agent "dies" here; another one polls and gets the same request once the claim times out.
            long start = System.nanoTime();
            List<String> again = agent.pollIds();
            Duration took = since(start);

            assertEquals(List.of(requestId), again);
            assertBetween(took, Duration.ofMillis(900), Duration.ofSeconds(3));
            answer(agent, requestId, "second agent");
            Answer got = client.get(5, TimeUnit.SECONDS);
            assertEquals(200, got.status(), got.toString());
            assertEquals("second agent", got.body());
        }
    }

    @Test
    void agentDyingWhileReadingAnUploadGives502() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                client.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n" + "x".repeat(1_000));
                String requestId = polled.get(5, TimeUnit.SECONDS);
                RawClient read = agent.startRead(requestId);
                read.readUntil("x".repeat(1_000));
                read.closeAbruptly();
                Thread.sleep(100);
                // More upload makes the proxy write to the dead agent connection.
                byte[] more = new byte[64 * 1024];
                Arrays.fill(more, (byte) 'y');
                try {
                    for (int i = 0; i < 4; i++) {
                        client.send(more);
                        Thread.sleep(50);
                    }
                } catch (IOException e) {
                    // Expected once the proxy has answered and stopped taking the upload.
                }
                RawClient.Received received = client.readToEnd();

                assertEquals(RawClient.Ending.EOF, received.ending(), received.toString());
                RawResponse got = RawResponse.read(new ByteArrayInputStream(received.bytes()), false);
                assertEquals(502, got.status(), got.toString());
                assertEquals("the agent went away while reading the request\n", got.bodyText());
            }
            serveOneNormally(tunnel, agent);
        }
    }

    // ---------------------------------------------------------------- 7. client leaves mid-stream

    @Test
    void clientLeavingMidStreamMakesBackendWriteFailSoonAndProxyServesOn() throws Exception {
        try (Tunnel tunnel = Tunnel.start()) {
            CompletableFuture<Long> backendWriteFailedAt = new CompletableFuture<>();
            tunnel.backend.behave((request, response, recorded) -> {
                response.setStatus(200);
                response.setContentType("application/octet-stream");
                OutputStream out = response.getOutputStream();
                byte[] block = new byte[64 * 1024];
                long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                try {
                    while (System.nanoTime() < end) {
                        out.write(block);
                        out.flush();
                        Thread.sleep(50);
                    }
                    backendWriteFailedAt.completeExceptionally(new AssertionError("the backend wrote for 30 s"));
                } catch (IOException e) {
                    backendWriteFailedAt.complete(System.nanoTime());
                }
            });

            long closedAt;
            try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                client.send("GET /stream HTTP/1.1\r\nHost: a\r\n\r\n");
                byte[] head = client.readUntil("\r\n\r\n");
                assertTrue(new String(head, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200 "));
                assertEquals(1_000, client.input().readNBytes(1_000).length);
                closedAt = System.nanoTime();
            }

            long failedAt = backendWriteFailedAt.get(12, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(failedAt - closedAt);
            assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "the backend could still write for " + took);

            tunnel.backend.behave((request, response, recorded) -> {
                response.setStatus(200);
                response.getOutputStream().write("still serving".getBytes(StandardCharsets.UTF_8));
            });
            Answer after = get(tunnel, "/after");
            assertEquals(200, after.status(), after.toString());
            assertEquals("still serving", after.body());
        }
    }

    // ---------------------------------------------------------------- 8. client leaves while parked

    /*
     * What the proxy does today: it does not notice a parked client leaving (the container reports
     * nothing while the request is suspended and unread). The request is still handed out and read
     * (200); the agent's answer then gets 410 with Connection: close, which frees the exchange. A
     * proxy that frees it at once (read gets 404) passes too.
     */
    @Test
    void clientLeavingWhileParkedGets410ToTheAgentsAnswerAndFreesTheExchange() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Tunnel.settings("request-timeout-seconds", "10"))) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            String requestId;
            try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                client.send(GET_X);
                requestId = polled.get(5, TimeUnit.SECONDS);
            }
            Thread.sleep(300);

            RawResponse read = agent.readRequest(requestId);
            if (read.status() != 404) {
                assertStatus(200, read);
                RawResponse answer = agent.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                assertStatus(410, answer);
                assertEquals("the client went away\n", answer.bodyText());
                assertEquals("close", answer.header("Connection"));
            }

            assertStatus(404, agent.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
            assertStatus(404, agent.readRequest(requestId));
            serveOneNormally(tunnel, agent);
        }
    }

    @Test
    void clientLeavingWhileParkedIsFreedByTheRequestTimeoutAtTheLatest() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Tunnel.settings("request-timeout-seconds", "1"))) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            String requestId;
            try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                client.send(GET_X);
                requestId = polled.get(5, TimeUnit.SECONDS);
            }
            Thread.sleep(1_500);

            assertStatus(404, agent.readRequest(requestId));
            assertStatus(404, agent.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
            serveOneNormally(tunnel, agent);
        }
    }

    // ---------------------------------------------------------------- 9. unknown, malformed, foreign IDs

    @Test
    void unknownRequestIdGets404OnReadAndAnswer() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            for (String unknown : List.of("AAAAAAAAAAAAAAAAAAAAAA", "a".repeat(128))) {
                RawResponse read = agent.readRequest(unknown);
                assertStatus(404, read);
                assertEquals("unknown request " + unknown + "\n", read.bodyText());
                RawResponse answer = agent.postResponse(unknown, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                assertStatus(404, answer);
                assertEquals("unknown request " + unknown + "\n", answer.bodyText());
            }
        }
    }

    @Test
    void malformedRequestIdGets400OnReadAndAnswer() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            for (String malformed : List.of("../x", "a".repeat(200), "a".repeat(129), "ab+c", "ab/c")) {
                RawResponse read = agent.readRequest(malformed);
                assertStatus(400, read);
                assertEquals("malformed header X-Inverting-Proxy-Request-ID\n", read.bodyText());
                RawResponse answer = agent.postResponse(malformed, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                assertStatus(400, answer);
                assertEquals("malformed header X-Inverting-Proxy-Request-ID\n", answer.bodyText());
            }
        }
    }

    @Test
    void missingProtocolHeaderGets400OnEveryAgentCall() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            String id = RawAgent.REQUEST_HEADER + ": AAAAAAAAAAAAAAAAAAAAAA";
            String backend = RawAgent.BACKEND_HEADER + ": default";
            byte[] message = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1);
            String noBackend = "missing header X-Inverting-Proxy-Backend-ID\n";
            String noRequest = "missing header X-Inverting-Proxy-Request-ID\n";

            assertAnswer(400, noBackend, agent.call("GET", "/agent/pending", List.of(), null));
            assertAnswer(400, noBackend, agent.call("GET", "/agent/request", List.of(id), null));
            assertAnswer(400, noBackend, agent.call("POST", "/agent/response", List.of(id), message));
            assertAnswer(400, noRequest, agent.call("GET", "/agent/request", List.of(backend), null));
            assertAnswer(400, noRequest, agent.call("POST", "/agent/response", List.of(backend), message));
        }
    }

    @Test
    void anUnregisteredBackendGets401AndNeitherLearnsNorTakesAnything() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            RawAgent intruder = new RawAgent(tunnel.proxy.port(), "other");
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            CompletableFuture<Answer> client = async(() -> get(tunnel, "/x"));
            String requestId = polled.get(5, TimeUnit.SECONDS);

            RawResponse poll = intruder.poll();
            RawResponse read = intruder.readRequest(requestId);
            RawResponse readUnknown = intruder.readRequest("AAAAAAAAAAAAAAAAAAAAAA");
            RawResponse answer = intruder.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged");

            // "other" is in no registry: without a credential every call is refused before any lookup.
            assertStatus(401, poll);
            assertStatus(401, read);
            assertStatus(401, answer);
            // An existing ID and a made-up one get the same answer (up to the echoed ID): nothing is learnt.
            assertEquals(readUnknown.status(), read.status());
            assertEquals(readUnknown.bodyText().replace("AAAAAAAAAAAAAAAAAAAAAA", "<id>"),
                    read.bodyText().replace(requestId, "<id>"));
            assertEquals(read.bodyText(), answer.bodyText());
            assertOneLine(read.bodyText());
            assertFalse(client.isDone(), "the client got an answer from the other backend: " + client.getNow(null));

            // The request is still there for its own backend's agent.
            answer(agent, requestId, "genuine");
            Answer got = client.get(5, TimeUnit.SECONDS);
            assertEquals(200, got.status(), got.toString());
            assertEquals("genuine", got.body());
        }
    }

    // ---------------------------------------------------------------- 10. malformed answers

    @Test
    void malformedAnswerGives400ToAgentAnd502ToClient() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            CompletableFuture<Answer> client = async(() -> get(tunnel, "/x"));
            String requestId = polled.get(5, TimeUnit.SECONDS);
            assertStatus(200, agent.readRequest(requestId));

            RawResponse refusal = agent.postResponse(requestId, "garbage\r\n\r\n");

            assertStatus(400, refusal);
            assertOneLine(refusal.bodyText());
            assertTrue(refusal.bodyText().startsWith("malformed response message"), refusal.bodyText());
            Answer got = client.get(5, TimeUnit.SECONDS);
            assertEquals(502, got.status(), got.toString());
            assertEquals(MALFORMED_ANSWER, got.body());
            serveOneNormally(tunnel, agent);
        }
    }

    @Test
    void headerLineOverMaxHeaderBytesGives400ToAgentAnd502ToClient() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Tunnel.settings("max-header-bytes", "1024"))) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            CompletableFuture<Answer> client = async(() -> get(tunnel, "/x"));
            String requestId = polled.get(5, TimeUnit.SECONDS);
            assertStatus(200, agent.readRequest(requestId));

            RawResponse refusal = agent.postResponse(requestId,
                    "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(2_000) + "\r\nContent-Length: 2\r\n\r\nok");

            assertStatus(400, refusal);
            assertOneLine(refusal.bodyText());
            assertTrue(refusal.bodyText().startsWith("malformed response message"), refusal.bodyText());
            Answer got = client.get(5, TimeUnit.SECONDS);
            assertEquals(502, got.status(), got.toString());
            assertEquals(MALFORMED_ANSWER, got.body());

            // A line within the limit still goes through: the setting, not something else, refused the first.
            CompletableFuture<String> nextPoll = pollOne(agent);
            CompletableFuture<Answer> next = async(() -> get(tunnel, "/y"));
            String nextId = nextPoll.get(5, TimeUnit.SECONDS);
            assertStatus(200, agent.readRequest(nextId));
            assertStatus(200, agent.postResponse(nextId,
                    "HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(900) + "\r\nContent-Length: 2\r\n\r\nok"));
            Answer fine = next.get(5, TimeUnit.SECONDS);
            assertEquals(200, fine.status(), fine.toString());
            assertEquals("b".repeat(900), fine.header("X-Big"));
            assertEquals("ok", fine.body());
        }
    }

    // ---------------------------------------------------------------- 11. second answer

    @Test
    void secondAnswerAfterTheFirstGets404AndClientKeepsTheFirst() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                client.send("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                String requestId = polled.get(5, TimeUnit.SECONDS);
                assertStatus(200, agent.readRequest(requestId));

                assertStatus(200, agent.postResponse(requestId,
                        "HTTP/1.1 200 OK\r\nX-Answer: first\r\nContent-Length: 5\r\n\r\nfirst"));
                RawResponse second = agent.postResponse(requestId,
                        "HTTP/1.1 500 Internal Server Error\r\nX-Answer: second\r\nContent-Length: 6\r\n\r\nsecond");

                assertStatus(404, second);
                assertOneLine(second.bodyText());
                RawClient.Received received = client.readToEnd();
                assertEquals(RawClient.Ending.EOF, received.ending(), received.toString());
                ByteArrayInputStream wire = new ByteArrayInputStream(received.bytes());
                RawResponse got = RawResponse.read(wire, false);
                assertEquals(200, got.status(), got.toString());
                assertEquals("first", got.header("X-Answer"));
                assertEquals("first", got.bodyText());
                assertEquals(0, wire.available(), "more after the first response: " + received);
            }
        }
    }

    @Test
    void secondAnswerWhileTheFirstStreamsGets404AndNeverReachesClient() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                client.send("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                String requestId = polled.get(5, TimeUnit.SECONDS);
                assertStatus(200, agent.readRequest(requestId));

                try (RawAgent.Post first = agent.openPost(requestId)) {
                    first.chunk("HTTP/1.1 200 OK\r\nX-Answer: first\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfir\r\n");
                    client.readUntil("fir");
                    RawResponse second = agent.postResponse(requestId,
                            "HTTP/1.1 500 Internal Server Error\r\nX-Answer: second\r\nContent-Length: 6\r\n\r\nsecond");
                    assertStatus(404, second);
                    assertOneLine(second.bodyText());

                    first.chunk("2\r\nst\r\n0\r\n\r\n");
                    assertStatus(200, first.finish());
                }
                RawClient.Received received = client.readToEnd();
                assertEquals(RawClient.Ending.EOF, received.ending(), received.toString());
                assertFalse(received.text().contains("second"), received.toString());
            }
        }
    }

    // ---------------------------------------------------------------- 12. exactly once under races

    @Test
    void answersRacingTheRequestTimeoutCompleteEachExchangeExactlyOnce() throws Exception {
        int count = 20;
        try (Tunnel tunnel = Tunnel.withoutAgent(Tunnel.settings("request-timeout-seconds", "1"))) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            List<RawClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    RawClient client = RawClient.connect(tunnel.proxy.port());
                    clients.add(client);
                    client.send("GET /race/" + i + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                }
                List<String> ids = new ArrayList<>();
                while (ids.size() < count) {
                    ids.addAll(agent.pollIds());
                }
                // Read every request, then answer each after a delay spread across the timeout
                // (0.5 s to 1.7 s after its read; the timeout strikes 1 s to 1.2 s after it).
                Map<Integer, CompletableFuture<RawResponse>> posts = new HashMap<>();
                for (String id : ids) {
                    RawResponse read = agent.readRequest(id);
                    assertStatus(200, read);
                    long readAt = System.nanoTime();
                    String requestLine = read.bodyText().substring(0, read.bodyText().indexOf("\r\n"));
                    int index = Integer.parseInt(requestLine.split(" ")[1].substring("/race/".length()));
                    long delayMillis = 500 + 1_200L * index / (count - 1);
                    posts.put(index, async(() -> {
                        Thread.sleep(Math.max(0, delayMillis - Duration.ofNanos(System.nanoTime() - readAt).toMillis()));
                        return agent.postResponse(id, "HTTP/1.1 200 OK\r\nContent-Length: " + ("answer " + index).length()
                                + "\r\n\r\nanswer " + index);
                    }));
                }
                int answered = 0;
                int timedOut = 0;
                for (int i = 0; i < count; i++) {
                    RawClient.Received received = clients.get(i).readToEnd();
                    RawResponse post = posts.get(i).get(10, TimeUnit.SECONDS);
                    assertEquals(RawClient.Ending.EOF, received.ending(), i + ": " + received);
                    ByteArrayInputStream wire = new ByteArrayInputStream(received.bytes());
                    RawResponse got = RawResponse.read(wire, false);
                    assertEquals(0, wire.available(), i + ": more than one response: " + received);
                    if (got.status() == 200) {
                        answered++;
                        assertEquals("answer " + i, got.bodyText(), i + ": " + received);
                        assertStatus(200, post);
                    } else {
                        timedOut++;
                        assertEquals(504, got.status(), i + ": " + received);
                        assertEquals(NO_ANSWER_WITHIN_1S, got.bodyText(), i + ": " + received);
                        assertStatus(404, post);
                    }
                }
                // Both outcomes occurred, so the race was really run on both sides of the timeout.
                assertTrue(answered > 0 && timedOut > 0, answered + " answered, " + timedOut + " timed out");
            } finally {
                for (RawClient client : clients) {
                    client.close();
                }
            }
        }
    }

    @Test
    void answerStartedBeforeTheRequestTimeoutIsNotCutByIt() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Tunnel.settings("request-timeout-seconds", "1"))) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                client.send("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                String requestId = polled.get(5, TimeUnit.SECONDS);
                assertStatus(200, agent.readRequest(requestId));
                try (RawAgent.Post post = agent.openPost(requestId)) {
                    post.chunk("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nearly\r\n");
                    client.readUntil("early");
                    // The timeout passes while the response streams; it must not end it.
                    Thread.sleep(1_800);
                    post.chunk("4\r\nlate\r\n0\r\n\r\n");
                    assertStatus(200, post.finish());
                }
                RawClient.Received received = client.readToEnd();
                assertEquals(RawClient.Ending.EOF, received.ending(), received.toString());
                String all = received.text();
                assertTrue(all.contains("4\r\nlate\r\n0\r\n\r\n"), received.toString());
                assertFalse(all.contains("504"), received.toString());
            }
        }
    }

    // ---------------------------------------------------------------- 13. Go agent compatibility

    // The Go agent's successful exchanges are in GoAgentCompatibilityTest; this is its failure.

    @Test
    void goAgentDyingMidCloseDelimitedAnswerBreaksClientConnection() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(Map.of())) {
            RawAgent agent = new RawAgent(tunnel.proxy.port());
            bringOnline(tunnel, agent);
            CompletableFuture<String> polled = pollOne(agent);
            try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                client.send(GET_X);
                String requestId = polled.get(5, TimeUnit.SECONDS);
                assertStatus(200, agent.readRequest(requestId));
                // Only the post's own chunking can tell a cut: the message's body runs to the post's end.
                RawAgent.Post post = agent.openPost(requestId);
                post.chunk("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n");
                post.chunk("hello");
                byte[] start = client.readUntil("hello");

                post.die();
                RawClient.Received rest = client.readTimeout(5_000).readToEnd();

                assertNotEquals(RawClient.Ending.TIMEOUT, rest.ending(), rest.toString());
                byte[] all = concat(start, rest.bytes());
                assertThrows(IOException.class, () -> RawResponse.read(new ByteArrayInputStream(all), false),
                        () -> "the client got a complete-looking response: " + new String(all, StandardCharsets.ISO_8859_1));
            }
            serveOneNormally(tunnel, agent);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** What HttpClient 5 delivered: the status, every header, and the body as text. */
    record Answer(int status, List<Header> headers, String body, List<Header> trailers) {
        String header(String name) {
            List<String> values = headerValues(name);
            return values.isEmpty() ? null : values.get(0);
        }

        List<String> headerValues(String name) {
            return valuesOf(headers, name);
        }
    }

    private static List<String> valuesOf(List<Header> headers, String name) {
        List<String> values = new ArrayList<>();
        for (Header header : headers) {
            if (header.getName().equalsIgnoreCase(name)) {
                values.add(header.getValue());
            }
        }
        return values;
    }

    private static Answer get(Tunnel tunnel, String target) throws IOException {
        HttpGet get = new HttpGet(tunnel.uri(target));
        get.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(10)).build());
        return tunnel.client.execute(get, response -> {
            HttpEntity entity = response.getEntity();
            String body = entity == null ? "" : EntityUtils.toString(entity, StandardCharsets.UTF_8);
            List<Header> trailers = new ArrayList<>();
            if (entity != null && entity.getTrailers() != null) {
                trailers.addAll(entity.getTrailers().get());
            }
            return new Answer(response.getCode(), List.of(response.getHeaders()), body, trailers);
        });
    }

    /**
     * Makes the backend count as online for the raw agent, as {@link Tunnel} does for the real one:
     * a held poll takes a probe request, which the agent answers 204. Until the poll reaches the
     * proxy, probes get the no-agent 503 and are repeated.
     */
    private static void bringOnline(Tunnel tunnel, RawAgent agent) throws Exception {
        CompletableFuture<List<String>> poll = async(agent::pollIds);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            CompletableFuture<Answer> probe = async(() -> get(tunnel, "/raw-agent-probe"));
            CompletableFuture.anyOf(poll, probe).get(10, TimeUnit.SECONDS);
            if (poll.isDone()) {
                List<String> ids = poll.get();
                assertEquals(1, ids.size(), ids.toString());
                assertStatus(200, agent.readRequest(ids.get(0)));
                assertStatus(200, agent.postResponse(ids.get(0), "HTTP/1.1 204 No Content\r\n\r\n"));
                assertEquals(204, probe.get(5, TimeUnit.SECONDS).status());
                return;
            }
            Answer early = probe.get();
            assertEquals(503, early.status(), early.toString());
            assertEquals(NO_AGENT, early.body());
            Thread.sleep(10);
        }
        fail("the raw agent's poll did not reach the proxy within 10 s");
    }

    /** A poll that must be answered with exactly one ID. */
    private static CompletableFuture<String> pollOne(RawAgent agent) {
        return async(() -> {
            List<String> ids = agent.pollIds();
            assertEquals(1, ids.size(), ids.toString());
            return ids.get(0);
        });
    }

    /** Reads the request and answers it 200 with the text as body. */
    private static void answer(RawAgent agent, String requestId, String body) throws IOException {
        assertStatus(200, agent.readRequest(requestId));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        assertStatus(200, agent.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                + bytes.length + "\r\n\r\n" + body));
    }

    /** A normal request through the raw agent succeeds: the proxy still serves after a fault. */
    private static void serveOneNormally(Tunnel tunnel, RawAgent agent) throws Exception {
        CompletableFuture<String> polled = pollOne(agent);
        CompletableFuture<Answer> client = async(() -> get(tunnel, "/after"));
        answer(agent, polled.get(5, TimeUnit.SECONDS), "still serving");
        Answer got = client.get(5, TimeUnit.SECONDS);
        assertEquals(200, got.status(), got.toString());
        assertEquals("still serving", got.body());
    }

    /** The real agent, started without the fixture's probe (which needs a working backend). */
    private static Agent startAgentWithoutProbe(Tunnel tunnel, String backendHost) {
        try {
            return Agent.start(AgentConfig.parse("-proxy", tunnel.proxy.baseUri().toString(), "-backend", "default",
                    "-host", backendHost));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Repeats a request while the proxy says no agent is connected; the first other answer. */
    private static Answer awaitFirstAnswerFromAgent(Tunnel tunnel) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            Answer answer = get(tunnel, "/x");
            if (!(answer.status() == 503 && NO_AGENT.equals(answer.body()))) {
                return answer;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the agent did not start polling within 10 s");
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

    private static void assertStatus(int expected, RawResponse response) {
        assertEquals(expected, response.status(), response.toString());
    }

    private static void assertAnswer(int status, String body, RawResponse response) {
        assertStatus(status, response);
        assertEquals(body, response.bodyText());
    }

    private static void assertOneLine(String text) {
        assertTrue(text.endsWith("\n") && text.indexOf('\n') == text.length() - 1 && text.length() > 1,
                "not one line: '" + text + "'");
    }

    private static void assertBetween(Duration actual, Duration min, Duration max) {
        assertTrue(actual.compareTo(min) >= 0 && actual.compareTo(max) <= 0,
                "took " + actual + ", expected " + min + " to " + max);
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // Closing a broken response may report the break again.
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] all = new byte[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    @Test
    void clientUploadBreakingOffGets400NeverASuccess() throws Exception {
        try (Tunnel tunnel = Tunnel.start()) {
            tunnel.backend.behave((request, response, recorded) -> {
                TestBackend.readAll(request.getInputStream());
                response.setStatus(200);
            });
            try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
                client.readTimeout(10_000);
                client.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");

                RawClient.Received received = client.readToEnd();

                assertTrue(received.text().startsWith("HTTP/1.1 400"), received.toString());
            }
        }
    }
}
