package net.invertingproxy.tunnel;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's side of a tunnelled WebSocket, byte by byte, with a hand-written agent: what the
 * request read and the response post carry (docs/protocol.md, section 4) and what the client sees.
 */
class WebSocketProxyLegsTest {
    private static final String HANDSHAKE = "GET /chat?room=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive, Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    private static final String SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n";

    private Tunnel tunnel;
    private RawAgent agent;

    @BeforeEach
    void start() throws Exception {
        tunnel = Tunnel.withoutAgent(Map.of("poll-hold-seconds", "1"));
        agent = new RawAgent(tunnel.proxy.port(), "default", tunnel.agentCredential());
        // The proxy refuses clients until an agent has polled once.
        assertEquals(List.of(), agent.pollIds());
    }

    @AfterEach
    void stop() throws Exception {
        tunnel.close();
    }

    @Test
    void bothLegsCarryTheConnectionsBytesUntilTheBackendCloses() throws Exception {
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send(HANDSHAKE);
            String id = agent.pollIds().get(0);
            RawClient read = agent.startRead(id, "X-Inverting-Proxy-Upgrade: websocket");
            String answerHead = new String(read.readUntil("\r\n\r\n"), ISO_8859_1);
            String message = new String(read.readUntil("\r\n\r\n"), ISO_8859_1);
            assertTrue(answerHead.startsWith("HTTP/1.1 200 "), answerHead);
            assertTrue(answerHead.contains("X-Inverting-Proxy-Upgrade: websocket"), answerHead);
            assertTrue(message.contains("GET /chat?room=1 HTTP/1.1\r\n"), message);
            assertTrue(message.contains("\r\nConnection: Upgrade\r\n"), message);
            assertTrue(message.contains("\r\nUpgrade: websocket\r\n"), message);
            assertTrue(message.contains("\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), message);
            assertFalse(message.contains("keep-alive"), message);

            RawAgent.Post post = agent.openPost(id).chunk(SWITCHING);
            String switched = new String(client.readUntil("\r\n\r\n"), ISO_8859_1);
            assertTrue(switched.startsWith("HTTP/1.1 101 "), switched);
            assertTrue(switched.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), switched);
            assertTrue(switched.contains("Sec-WebSocket-Protocol: chat"), switched);

            post.chunk("backend frame 1");
            client.readUntil("backend frame 1");
            client.send("client frame 1");
            read.readUntil("client frame 1");
            post.chunk("backend frame 2");
            client.readUntil("backend frame 2");

            RawResponse answer = post.finish();
            assertEquals(200, answer.status(), answer.toString());
            RawClient.Received rest = client.readToEnd();
            assertEquals(RawClient.Ending.EOF, rest.ending(), "the client's connection ends when the backend's does: " + rest);
            RawClient.Received readRest = read.readTimeout(2000).readToEnd();
            assertTrue(readRest.text().endsWith("0\r\n\r\n"), "the read ends with its last chunk: " + readRest);
            read.close();
        }
        tunnel.awaitExchanges(0);
    }

    @Test
    void theClientGoingAwayEndsTheRequestReadAndTheExchange() throws Exception {
        RawClient read;
        RawAgent.Post post;
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send(HANDSHAKE);
            String id = agent.pollIds().get(0);
            read = agent.startRead(id, "X-Inverting-Proxy-Upgrade: websocket");
            read.readUntil("Sec-WebSocket-Key");
            post = agent.openPost(id).chunk(SWITCHING);
            client.readUntil("\r\n\r\n");
            client.closeAbruptly();
        }
        // Jetty reports a connection that ends, even by a reset, as the clean end of the upgraded
        // stream: the agent then closes its side towards the backend, which sees no close frame.
        RawClient.Received readRest = read.readTimeout(2000).readToEnd();
        assertTrue(readRest.ending() != RawClient.Ending.TIMEOUT || readRest.text().endsWith("0\r\n\r\n"),
                "the read must end with the client: " + readRest);
        try {
            post.chunk("bytes for a client that is gone");
            post.finish();
        } catch (IOException e) {
            // The proxy may already have given up on the post: its client is gone.
        }
        read.close();
        post.close();
        tunnel.awaitExchanges(0);
    }

    @Test
    void aSilentClientIsPingedBetweenFramesNeverInsideOne() throws Exception {
        tunnel.close();
        tunnel = Tunnel.withoutAgent(Map.of("poll-hold-seconds", "1", "websocket-ping-seconds", "1"));
        agent = new RawAgent(tunnel.proxy.port(), "default", tunnel.agentCredential());
        assertEquals(List.of(), agent.pollIds());
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send(HANDSHAKE);
            String id = agent.pollIds().get(0);
            try (RawClient read = agent.startRead(id, "X-Inverting-Proxy-Upgrade: websocket")) {
                read.readUntil("Sec-WebSocket-Key");
                RawAgent.Post post = agent.openPost(id).chunk(SWITCHING);
                client.readUntil("\r\n\r\n");

                // Half a text frame "hello", then silence well past the ping interval, then the rest.
                post.chunk("\u0081\u0005he");
                client.readUntil("\u0081\u0005he");
                Thread.sleep(2_500);
                post.chunk("llo");
                assertEquals("llo", new String(client.input().readNBytes(3), ISO_8859_1),
                        "a ping slipped into the middle of a frame");
                // The frame is whole: the next silent second brings a ping, an empty ping frame.
                byte[] ping = client.readTimeout(5_000).input().readNBytes(2);
                assertEquals("\u0089\u0000", new String(ping, ISO_8859_1));

                // A pong from the client counts as the client speaking: it reaches the agent's read.
                client.send("\u008a\u0080abcd");
                read.readUntil("\u008a\u0080abcd");
                post.close();
            }
        }
    }

    @Test
    void anAgentThatDoesNotTunnelGetsAPlainGetAndItsSwitchIsRefused() throws Exception {
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send(HANDSHAKE);
            String id = agent.pollIds().get(0);
            RawResponse request = agent.readRequest(id);
            assertEquals(200, request.status());
            assertEquals(null, request.header("X-Inverting-Proxy-Upgrade"));
            assertFalse(request.bodyText().toLowerCase(java.util.Locale.ROOT).contains("upgrade"), request.bodyText());

            RawResponse answer = agent.postResponse(id, SWITCHING);

            assertEquals(400, answer.status(), answer.toString());
            RawResponse response = client.readResponse();
            assertEquals(502, response.status(), response.toString());
        }
        tunnel.awaitExchanges(0);
    }

    @Test
    void aRefusalReachesTheClientAndEndsTheRequestRead() throws Exception {
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send(HANDSHAKE);
            String id = agent.pollIds().get(0);
            RawClient read = agent.startRead(id, "X-Inverting-Proxy-Upgrade: websocket");
            read.readUntil("Sec-WebSocket-Key");

            RawResponse answer = agent.postResponse(id, "HTTP/1.1 426 Upgrade Required\r\nContent-Length: 4\r\n\r\nnope");

            assertEquals(200, answer.status(), answer.toString());
            RawResponse response = client.readResponse();
            assertEquals(426, response.status());
            assertEquals("nope", response.bodyText());
            assertTrue(read.readTimeout(2000).readToEnd().text().endsWith("0\r\n\r\n"), "the read ends after the head");
            read.close();
        }
        tunnel.awaitExchanges(0);
    }
}
