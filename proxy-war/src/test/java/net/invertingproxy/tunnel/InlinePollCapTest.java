package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import net.invertingproxy.protocol.PendingRequest;
import net.invertingproxy.protocol.PendingRequests;
import net.invertingproxy.protocol.RequestIds;
import net.invertingproxy.protocol.WireHeaders;

/**
 * Many requests waiting for an agent in the inline poll mode: one answer carries at most 100 of
 * them, all inline, and the rest wait for the agent's next polls instead of coming as IDs to read
 * one call each (docs/protocol.md, "The inline poll mode").
 */
class InlinePollCapTest {
    /** The most requests one inline answer carries, as docs/protocol.md says. */
    private static final int MAX_INLINE_PER_ANSWER = 100;
    private static final int CLIENTS = 250;
    private static final Pattern REQUEST_LINE = Pattern.compile("GET (/capped/(\\d+)) HTTP/1\\.1\r\n");

    @Test
    void requestsBeyondWhatOneInlineAnswerCarriesComeInlineOnTheNextPollsEachExactlyOnce() throws Exception {
        // Polls held 1 s, and the backend stays online while the test parks its clients.
        Map<String, String> settings = Tunnel.settings("poll-hold-seconds", "1", "agent-offline-after-seconds", "60");
        try (Tunnel tunnel = Tunnel.withoutAgent(settings)) {
            InlineAgent agent = new InlineAgent(tunnel);
            // One poll held to its end with no work: the backend is online and no poll is held, so
            // every client below waits in the queue for the next poll.
            assertEquals(List.of(), agent.poll());

            List<RawClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    RawClient client = RawClient.connect(tunnel.proxy.port());
                    clients.add(client);
                    client.send("GET /capped/" + i + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                }
                tunnel.awaitQueuedRequests(CLIENTS);

                Map<String, Integer> taken = new LinkedHashMap<>();
                Set<Integer> clientsTaken = new HashSet<>();
                List<Integer> answerSizes = new ArrayList<>();
                List<PendingRequest> unanswered = List.of();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (taken.size() < CLIENTS) {
                    assertTrue(System.nanoTime() < deadline, "after answers of " + answerSizes + ", "
                            + taken.size() + " of " + CLIENTS + " requests came");
                    List<PendingRequest> answer = agent.poll();
                    // The requests of the last answer are answered after the poll that acks them; those
                    // of this one (half of them) before the next poll: the protocol allows both.
                    answerAll(agent, unanswered);
                    answerSizes.add(answer.size());
                    assertTrue(answer.size() <= MAX_INLINE_PER_ANSWER, "an answer of " + answer.size() + " requests");
                    for (PendingRequest entry : answer) {
                        assertTrue(entry.isInline(), "a bodiless GET came as an ID to read: " + entry);
                        Matcher requestLine = REQUEST_LINE.matcher(entry.message());
                        assertTrue(requestLine.lookingAt(), entry.message());
                        int client = Integer.parseInt(requestLine.group(2));
                        assertNull(taken.put(entry.id(), client), "request " + entry.id() + " came twice");
                        assertTrue(clientsTaken.add(client), "client " + client + " came twice");
                    }
                    if (answerSizes.size() == 1) {
                        assertEquals(MAX_INLINE_PER_ANSWER, answer.size(), "the first answer is full");
                        // The rest waits in the queue for this agent's next poll.
                        tunnel.awaitQueuedRequests(CLIENTS - MAX_INLINE_PER_ANSWER);
                    }
                    int half = answer.size() / 2;
                    answerAll(agent, answer.subList(0, half));
                    unanswered = answer.subList(half, answer.size());
                    agent.acknowledge(answer);
                }
                answerAll(agent, unanswered);
                assertEquals(List.of(100, 100, 50), answerSizes);

                // Every request was taken on: the next poll, acking the last answer, gets nothing.
                assertEquals(List.of(), agent.poll());
                tunnel.awaitQueuedRequests(0);

                for (int i = 0; i < CLIENTS; i++) {
                    RawResponse response = clients.get(i).readResponse();
                    assertEquals(200, response.status(), i + ": " + response);
                    assertEquals("answer to /capped/" + i, response.bodyText(), i + ": " + response);
                }
            } finally {
                for (RawClient client : clients) {
                    client.close();
                }
            }
        }
    }

    /*
     * The bound is the inline mode's: a poll in the compatible mode (the Go agent's, or one asking
     * for inline answers without the agent ID they need) still takes every waiting request, as IDs.
     */
    @Test
    void aPollInTheCompatibleModeStillTakesEveryWaitingRequestAsIds() throws Exception {
        Map<String, String> settings = Tunnel.settings("poll-hold-seconds", "1", "agent-offline-after-seconds", "60");
        try (Tunnel tunnel = Tunnel.withoutAgent(settings)) {
            RawAgent goLike = new RawAgent(tunnel.proxy.port(), "default", tunnel.agentCredential());
            assertEquals(List.of(), goLike.pollIds());
            List<String> withoutAgentId = List.of("Authorization: Bearer " + tunnel.agentCredential(),
                    RawAgent.BACKEND_HEADER + ": default", WireHeaders.POLL_MODE + ": " + WireHeaders.INLINE_POLL_MODE);
            for (String mode : List.of("Go agent", "inline without agent ID")) {
                List<RawClient> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < CLIENTS; i++) {
                        RawClient client = RawClient.connect(tunnel.proxy.port());
                        clients.add(client);
                        client.send("GET /capped/" + i + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                    }
                    tunnel.awaitQueuedRequests(CLIENTS);

                    RawResponse poll = mode.equals("Go agent") ? goLike.poll()
                            : goLike.call("GET", "/agent/pending", withoutAgentId, null);

                    assertEquals(200, poll.status(), mode + ": " + poll);
                    List<PendingRequest> entries = PendingRequests.parse(poll.bodyText()).requests();
                    assertEquals(CLIENTS, entries.size(), mode + ": one answer takes them all");
                    assertFalse(poll.bodyText().contains("{"), mode + ": IDs only");
                    tunnel.awaitQueuedRequests(0);
                    // Answered unread, as an agent at capacity may: each client gets the answer to its own ID.
                    Set<String> ids = new HashSet<>();
                    for (PendingRequest entry : entries) {
                        assertTrue(ids.add(entry.id()), mode + ": " + entry.id() + " came twice");
                        String body = "answer to " + entry.id();
                        assertEquals(200, goLike.postResponse(entry.id(),
                                "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).status());
                    }
                    for (int i = 0; i < CLIENTS; i++) {
                        RawResponse response = clients.get(i).readResponse();
                        assertEquals(200, response.status(), mode + ", " + i + ": " + response);
                        assertTrue(ids.remove(response.bodyText().substring("answer to ".length())),
                                mode + ", " + i + ": " + response);
                    }
                } finally {
                    for (RawClient client : clients) {
                        client.close();
                    }
                }
            }
        }
    }

    private static void answerAll(InlineAgent agent, List<PendingRequest> entries) throws IOException {
        for (PendingRequest entry : entries) {
            Matcher requestLine = REQUEST_LINE.matcher(entry.message());
            assertTrue(requestLine.lookingAt(), entry.message());
            String body = "answer to " + requestLine.group(1);
            RawResponse post = agent.raw.postResponse(entry.id(),
                    "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            assertEquals(200, post.status(), entry.id() + ": " + post);
        }
    }

    /**
     * A raw agent that asks for requests inline, names itself, and on each poll names the inline
     * requests of its last answer it took on, as our agent does.
     */
    private static final class InlineAgent {
        final RawAgent raw;
        private final List<String> headers;
        private List<String> toAcknowledge = List.of();

        InlineAgent(Tunnel tunnel) {
            raw = new RawAgent(tunnel.proxy.port(), "default", tunnel.agentCredential());
            headers = List.of("Authorization: Bearer " + tunnel.agentCredential(),
                    RawAgent.BACKEND_HEADER + ": default",
                    WireHeaders.AGENT_ID + ": " + RequestIds.next(),
                    WireHeaders.POLL_MODE + ": " + WireHeaders.INLINE_POLL_MODE);
        }

        /** Takes on these requests: the next poll names those that came inline. */
        void acknowledge(List<PendingRequest> entries) {
            toAcknowledge = entries.stream().filter(PendingRequest::isInline).map(PendingRequest::id).toList();
        }

        /** One poll, naming what the last answer's requests it took on; the entries of its answer. */
        List<PendingRequest> poll() throws IOException {
            List<String> lines = new ArrayList<>(headers);
            if (!toAcknowledge.isEmpty()) {
                lines.add(WireHeaders.INLINE_ACK + ": " + String.join(" ", toAcknowledge));
            }
            RawResponse answer = raw.call("GET", "/agent/pending", lines, null);
            toAcknowledge = List.of();
            assertEquals(200, answer.status(), answer.toString());
            assertTrue(answer.body().length < PendingRequests.MAX_ANSWER_BYTES, answer.body().length + " bytes");
            return PendingRequests.parse(answer.bodyText()).requests();
        }
    }
}
