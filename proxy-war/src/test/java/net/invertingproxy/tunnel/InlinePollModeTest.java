package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import net.invertingproxy.protocol.PendingRequest;
import net.invertingproxy.protocol.PendingRequests;
import net.invertingproxy.protocol.RequestIds;
import net.invertingproxy.protocol.WireHeaders;

/**
 * The inline poll mode, as an agent that asks for it sees it on the wire: bodiless GET, HEAD and
 * OPTIONS requests come whole in the poll answer and are answered without a read; everything else,
 * and every answer to an agent that does not ask (the Go agent), is an ID as before.
 */
class InlinePollModeTest {
    private static final ExecutorService THREADS = ExtraBackends.threads("inline-test");

    @Test
    void aBodilessGetComesWholeInThePollAnswerAndItsAnswerReachesTheClient() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(ExtraBackends.QUICK_POLLS)) {
            InlineAgent agent = new InlineAgent(tunnel);
            agent.pollUntilConnected();
            CompletableFuture<RawResponse> client = CompletableFuture.supplyAsync(
                    () -> get(tunnel, "/items?id=7", "X-Trace: abc"), THREADS);

            PendingRequest entry = agent.pollForWork().get(0);

            assertTrue(entry.isInline(), entry.toString());
            String message = entry.message();
            assertTrue(message.startsWith("GET /items?id=7 HTTP/1.1\r\n"), message);
            assertTrue(message.contains("\r\nX-Trace: abc\r\n"), message);
            assertTrue(message.contains("\r\nX-Forwarded-For: 127.0.0.1\r\n"), message);
            assertTrue(message.endsWith("\r\n\r\n"), message);
            RawResponse post = agent.raw.postResponse(entry.id(), "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\ninline");
            assertEquals(200, post.status(), post.toString());
            RawResponse answer = client.get(10, TimeUnit.SECONDS);
            assertEquals(200, answer.status(), answer.toString());
            assertEquals("inline", answer.bodyText());
            // Delivered with the answer, the request is not there to read a second time.
            agent.pollOnce();
            assertEquals(404, agent.raw.readRequest(entry.id()).status());
        }
    }

    @Test
    void anInlineRequestLostWithItsAnswerIsHandedOutAgainOnTheNextPoll() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(ExtraBackends.QUICK_POLLS)) {
            InlineAgent agent = new InlineAgent(tunnel);
            agent.pollUntilConnected();
            CompletableFuture<RawResponse> client = CompletableFuture.supplyAsync(() -> get(tunnel, "/again"), THREADS);
            String lostId = agent.pollForWork().get(0).id();

            // The agent never saw that answer, so its next poll names nothing: the request comes again.
            PendingRequest again = agent.pollForWork().get(0);

            assertEquals(lostId, again.id());
            assertTrue(again.isInline(), again.toString());
            agent.raw.postResponse(again.id(), "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain");
            assertEquals("again", client.get(10, TimeUnit.SECONDS).bodyText());
        }
    }

    @Test
    void aRequestWithABodyOrAnUnsafeMethodComesAsAnIdToRead() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(ExtraBackends.QUICK_POLLS)) {
            InlineAgent agent = new InlineAgent(tunnel);
            agent.pollUntilConnected();
            CompletableFuture<RawResponse> upload = CompletableFuture.supplyAsync(() -> send(tunnel,
                    "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"), THREADS);
            CompletableFuture<RawResponse> delete = CompletableFuture.supplyAsync(() -> send(tunnel,
                    "DELETE /items/7 HTTP/1.1\r\nHost: x\r\n\r\n"), THREADS);

            List<PendingRequest> entries = new ArrayList<>();
            while (entries.size() < 2) {
                entries.addAll(agent.pollForWork());
            }

            for (PendingRequest entry : entries) {
                assertFalse(entry.isInline(), entry.toString());
                RawResponse read = agent.raw.readRequest(entry.id());
                assertEquals(200, read.status(), read.toString());
                agent.raw.postResponse(entry.id(), "HTTP/1.1 204 No Content\r\n\r\n");
            }
            assertEquals(204, upload.get(10, TimeUnit.SECONDS).status());
            assertEquals(204, delete.get(10, TimeUnit.SECONDS).status());
        }
    }

    @Test
    void anAgentThatDoesNotAskGetsIdsOnly() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutAgent(ExtraBackends.QUICK_POLLS)) {
            RawAgent goLike = new RawAgent(tunnel.proxy.port(), "default", tunnel.agentCredential());
            goLike.pollIds();
            CompletableFuture<RawResponse> client = CompletableFuture.supplyAsync(() -> get(tunnel, "/plain"), THREADS);
            List<String> ids = List.of();
            while (ids.isEmpty()) {
                RawResponse answer = goLike.poll();
                assertTrue(answer.bodyText().startsWith("[") && !answer.bodyText().contains("{"), answer.toString());
                ids = PendingRequests.parse(answer.bodyText()).requestIds();
            }
            assertEquals(200, goLike.readRequest(ids.get(0)).status());
            goLike.postResponse(ids.get(0), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            assertEquals("ok", client.get(10, TimeUnit.SECONDS).bodyText());
        }
    }

    private static RawResponse get(Tunnel tunnel, String target, String... headerLines) {
        try {
            return ExtraBackends.get(tunnel, target, headerLines);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static RawResponse send(Tunnel tunnel, String request) {
        try (RawClient connection = RawClient.connect(tunnel.proxy.port())) {
            return connection.send(request).readResponse();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A raw agent that asks for requests inline and names itself, as ours does. */
    private static final class InlineAgent {
        final RawAgent raw;
        private final List<String> headers;

        InlineAgent(Tunnel tunnel) {
            raw = new RawAgent(tunnel.proxy.port(), "default", tunnel.agentCredential());
            headers = List.of("Authorization: Bearer " + tunnel.agentCredential(),
                    RawAgent.BACKEND_HEADER + ": default",
                    WireHeaders.AGENT_ID + ": " + RequestIds.next(),
                    WireHeaders.POLL_MODE + ": " + WireHeaders.INLINE_POLL_MODE);
        }

        List<PendingRequest> pollOnce() throws IOException {
            RawResponse answer = raw.call("GET", "/agent/pending", headers, null);
            assertEquals(200, answer.status(), answer.toString());
            return PendingRequests.parse(answer.bodyText()).requests();
        }

        // One poll ends quickly (1 s hold) and makes the backend count as connected.
        void pollUntilConnected() throws IOException {
            pollOnce();
        }

        List<PendingRequest> pollForWork() throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                List<PendingRequest> entries = pollOnce();
                if (!entries.isEmpty()) {
                    return entries;
                }
            }
            throw new AssertionError("no work within 10 s");
        }
    }
}
