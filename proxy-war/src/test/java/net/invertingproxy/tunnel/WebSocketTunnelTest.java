package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A user opens WebSockets to a backend behind the tunnel: the proxy on embedded Jetty, the real
 * agent, and a real WebSocket backend (Jetty's), with the JDK's WebSocket client.
 */
class WebSocketTunnelTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private WebSocketBackend backend;
    private Tunnel tunnel;

    @BeforeEach
    void start() throws Exception {
        backend = new WebSocketBackend();
        tunnel = Tunnel.withoutAgent(Map.of());
        tunnel.startAgent(backend.hostAndPort(), new String[0]);
    }

    @AfterEach
    void stop() throws Exception {
        tunnel.close();
        backend.close();
    }

    private URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + tunnel.proxy.port() + path);
    }

    private void awaitOpenSocketsAtTheBackend(int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (backend.openSockets() != count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(count, backend.openSockets(), "sockets open at the backend");
    }

    @Test
    void textAndBinaryMessagesComeBackAndTheBackendSeesTheHandshake() throws Exception {
        WebSocketPeer peer = WebSocketPeer.open(ws("/echo"), "chat");

        assertEquals("chat", peer.socket().getSubprotocol());
        Map<String, List<String>> handshake = backend.nextHandshake();
        assertNotNull(handshake.get("Sec-WebSocket-Key"), "handshake headers at the backend: " + handshake);
        assertEquals(List.of("13"), handshake.get("Sec-WebSocket-Version"));
        assertEquals("hello", peer.sendText("hello").nextMessage(WAIT));
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, (byte[]) peer.sendBinary(new byte[] {0, 1, 2, (byte) 255}).nextMessage(WAIT));
        assertEquals("é ✓ 𝄞", peer.sendText("é ✓ 𝄞").nextMessage(WAIT));
        peer.socket().sendClose(1000, "done").get();
        assertEquals(new WebSocketBackend.Close(1000, "done"), backend.nextClose());
        tunnel.awaitExchanges(0);
    }

    @Test
    void aTenMegabyteMessageArrivesWhole() throws Exception {
        byte[] message = new byte[10 * 1024 * 1024];
        new Random(7).nextBytes(message);
        WebSocketPeer peer = WebSocketPeer.open(ws("/echo"));

        byte[] echoed = (byte[]) peer.sendBinary(message).nextMessage(Duration.ofSeconds(60));

        assertArrayEquals(message, echoed);
    }

    @Test
    void aHundredSocketsAtOnceEachGetTheirOwnEchoes() throws Exception {
        List<WebSocketPeer> peers = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            peers.add(WebSocketPeer.open(ws("/echo")));
        }
        tunnel.awaitExchanges(100);
        awaitOpenSocketsAtTheBackend(100);
        for (int i = 0; i < peers.size(); i++) {
            peers.get(i).sendText("socket " + i);
        }
        for (int i = 0; i < peers.size(); i++) {
            assertEquals("socket " + i, peers.get(i).nextMessage(WAIT));
        }
        for (WebSocketPeer peer : peers) {
            peer.socket().sendClose(1000, "").get();
        }
        tunnel.awaitExchanges(0);
    }

    @Test
    void aCloseCodeFromTheClientReachesTheBackend() throws Exception {
        WebSocketPeer peer = WebSocketPeer.open(ws("/echo"));

        peer.socket().sendClose(4001, "client says bye").get();

        assertEquals(new WebSocketBackend.Close(4001, "client says bye"), backend.nextClose());
        WebSocketPeer.Ending ending = peer.ending(WAIT);
        assertEquals(4001, ending.code(), "the backend echoes the close: " + ending);
    }

    @Test
    void aCloseCodeFromTheBackendReachesTheClient() throws Exception {
        WebSocketPeer peer = WebSocketPeer.open(ws("/echo"));

        peer.sendText("close 4002 server says bye");

        WebSocketPeer.Ending ending = peer.ending(WAIT);
        assertEquals(new WebSocketPeer.Ending(4002, "server says bye", null), ending);
        tunnel.awaitExchanges(0);
    }

    @Test
    void theBackendGoingAwayEndsTheClientsSocketAbnormally() throws Exception {
        WebSocketPeer peer = WebSocketPeer.open(ws("/echo"));
        assertEquals("still here", peer.sendText("still here").nextMessage(WAIT));

        peer.sendText("drop");

        WebSocketPeer.Ending ending = peer.ending(WAIT);
        assertTrue(ending.abnormal(), "a dropped backend must not look like a clean close: " + ending);
        tunnel.awaitExchanges(0);
    }

    @Test
    void theClientGoingAwayEndsTheBackendsSocketAbnormally() throws Exception {
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
            String head = new String(client.readUntil("\r\n\r\n"), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(head.startsWith("HTTP/1.1 101 "), head);
            assertTrue(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), head);
            // The backend's side opens as it sends its 101, not necessarily before the client reads it.
            awaitOpenSocketsAtTheBackend(1);
        }

        WebSocketBackend.Close close = backend.nextClose();
        assertEquals(1006, close.code(), "a vanished client must not look like a clean close: " + close);
        tunnel.awaitExchanges(0);
    }

    @Test
    void aRefusedUpgradeGivesTheClientExactlyTheBackendsAnswer() throws Exception {
        try (RawClient client = RawClient.connect(tunnel.proxy.port())) {
            client.send("GET /refuse HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
            RawResponse response = client.readResponse();

            assertEquals(403, response.status());
            assertEquals(WebSocketBackend.REFUSAL, response.bodyText());
            assertFalse(response.headers().stream().anyMatch(h -> h.getKey().equalsIgnoreCase("Upgrade")), response.toString());
        }
        tunnel.awaitExchanges(0);
    }
}
