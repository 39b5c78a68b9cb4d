package net.invertingproxy.agent.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.Messages;
import net.invertingproxy.agent.testing.RawBackend;
import net.invertingproxy.agent.testing.SwitchingBackend;
import net.invertingproxy.agent.testing.Wait;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent tunnelling WebSockets (protocol section 4) between the fake proxy, which holds the
 * request read open and streams the client's bytes, and a raw-socket backend that answers the
 * handshake {@code 101} and then sends and records bytes as each test scripts it.
 */
class WebSocketTunnelTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    static final String HANDSHAKE = "GET /chat?room=1 HTTP/1.1\r\nHost: app.example.com\r\n"
            + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n\r\n";
    static final String SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            + "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n";

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

    private SwitchingBackend switchingBackend() throws IOException {
        SwitchingBackend backend = new SwitchingBackend(SWITCHING);
        resources.add(backend.server);
        return backend;
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
    void theReadOffersTheUpgradeAndTheBackendSeesTheHandshakeAndTheProxyItsAnswer() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(SWITCHING));
        agent(proxy, backend.hostAndPort());

        proxy.offerTunnel("ws", HANDSHAKE);

        RawBackend.Received handshake = backend.awaitRequest(WAIT);
        assertEquals("websocket", proxy.upgradeOfferedOnRead("ws"));
        assertEquals("GET /chat?room=1 HTTP/1.1\r\nHost: app.example.com\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: chat\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", handshake.rawHead());
    }

    @Test
    void theBackendsSwitchingAnswerIsPostedWithAllItsHeaders() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        agent(proxy, backend.server.hostAndPort());

        FakeProxy.Tunnel tunnel = proxy.offerTunnel("ws", HANDSHAKE);

        tunnel.awaitPosted("\r\n\r\n", WAIT);
        assertEquals(SWITCHING, tunnel.postedSoFar());
    }

    @Test
    void withWebsocketsFalseReadsDoNotOfferTheUpgrade() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        agent(proxy, backend.hostAndPort(), "-websockets", "false");

        // As the proxy sends a handshake to an agent that did not offer the upgrade: as a plain GET.
        proxy.offer("plain", "GET /chat HTTP/1.1\r\nHost: app.example.com\r\nSec-WebSocket-Key: a2V5\r\n\r\n");

        assertEquals("GET /chat HTTP/1.1", backend.awaitRequest(WAIT).requestLine());
        assertEquals(400, Messages.readResponse(proxy.awaitPosted("plain", WAIT).body(), "GET").status());
        assertEquals(1, proxy.reads().size());
        assertNull(proxy.upgradeOfferedOnRead("plain"));
    }

    @Test
    void bytesFlowBothWaysAsTheyAreSent() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        Agent agent = agent(proxy, backend.server.hostAndPort());
        FakeProxy.Tunnel tunnel = proxy.offerTunnel("ws", HANDSHAKE);
        tunnel.awaitPosted(SWITCHING, WAIT);

        // Each piece must arrive before the next is sent: nothing waits for a buffer to fill.
        tunnel.send("client-1");
        backend.awaitReceived("client-1");
        backend.send("backend-1");
        tunnel.awaitPosted("backend-1", WAIT);
        tunnel.send("client-2");
        backend.awaitReceived("client-1client-2");
        backend.send("backend-2");
        tunnel.awaitPosted(SWITCHING + "backend-1backend-2", WAIT);

        assertEquals(1, agent.inFlight(), "an open WebSocket is a request in flight");
        assertFalse(proxy.hasPosted("ws"), "the post is still open");
    }

    @Test
    void backendClosingEndsThePostCleanlyAfterAllItsBytes() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        Agent agent = agent(proxy, backend.server.hostAndPort());
        FakeProxy.Tunnel tunnel = proxy.offerTunnel("ws", HANDSHAKE);
        tunnel.awaitPosted(SWITCHING, WAIT);

        backend.send("last words");
        backend.close();

        FakeProxy.Posted posted = proxy.awaitPosted("ws", WAIT);
        assertNull(posted.failure(), "the post ended with its last chunk");
        assertEquals(SWITCHING + "last words", posted.text());
        assertEquals("ws", posted.headers().getFirst("X-Inverting-Proxy-Request-ID"));
        assertEquals("test-backend", posted.headers().getFirst("X-Inverting-Proxy-Backend-ID"));
        // The proxy then closes the client's side, and the exchange is over.
        tunnel.end();
        Wait.until(() -> agent.inFlight() == 0, WAIT, "the tunnel left the requests in flight");
    }

    @Test
    void clientEndingCleanlyHalfClosesTheBackendSocket() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        Agent agent = agent(proxy, backend.server.hostAndPort());
        FakeProxy.Tunnel tunnel = proxy.offerTunnel("ws", HANDSHAKE);
        tunnel.awaitPosted(SWITCHING, WAIT);

        tunnel.send("goodbye");
        tunnel.end();

        assertTrue(backend.clientEnded.await(5, TimeUnit.SECONDS), "the backend saw the client's side end");
        assertEquals("goodbye", backend.received.toString());
        assertEquals(1, agent.inFlight(), "the backend's side is still open");
        // The backend may still answer on its side.
        backend.send("after your close");
        backend.close();
        FakeProxy.Posted posted = proxy.awaitPosted("ws", WAIT);
        assertNull(posted.failure());
        assertEquals(SWITCHING + "after your close", posted.text());
        Wait.until(() -> agent.inFlight() == 0, WAIT, "the tunnel left the requests in flight");
    }

    @Test
    void clientBreakingResetsTheBackendConnectionAndBreaksThePostOff() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        Agent agent = agent(proxy, backend.server.hostAndPort());
        FakeProxy.Tunnel tunnel = proxy.offerTunnel("ws", HANDSHAKE);
        tunnel.awaitPosted(SWITCHING, WAIT);
        tunnel.send("half a frame");
        backend.awaitReceived("half a frame");

        tunnel.breakOff();

        assertTrue(backend.connectionBroke.await(5, TimeUnit.SECONDS), "the backend saw a broken connection, not an end");
        assertEquals(1, backend.clientEnded.getCount(), "the backend must not see a clean end");
        assertNotNull(proxy.awaitPosted("ws", WAIT).failure(), "the post was broken off");
        Wait.until(() -> agent.inFlight() == 0, WAIT, "the tunnel left the requests in flight");
    }

    @Test
    void backendResettingMidStreamBreaksThePostOff() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        Agent agent = agent(proxy, backend.server.hostAndPort());
        FakeProxy.Tunnel tunnel = proxy.offerTunnel("ws", HANDSHAKE);
        tunnel.awaitPosted(SWITCHING, WAIT);
        backend.send("partial");
        tunnel.awaitPosted("partial", WAIT);

        backend.reset();

        FakeProxy.Posted posted = proxy.awaitPosted("ws", WAIT);
        assertNotNull(posted.failure(), "the post must end without its last chunk: " + posted.text());
        assertEquals(SWITCHING + "partial", posted.text());
        // The request read was dropped as well: nothing holds the exchange any more.
        Wait.until(() -> agent.inFlight() == 0, WAIT, "the tunnel left the requests in flight");
        assertEquals(1, proxy.postsFor("ws").size(), "no other answer follows a broken tunnel");
    }

    @Test
    void stoppingTheAgentBreaksAnOpenTunnelOffOnBothSides() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        Agent agent = agent(proxy, backend.server.hostAndPort());
        FakeProxy.Tunnel tunnel = proxy.offerTunnel("ws", HANDSHAKE);
        tunnel.awaitPosted(SWITCHING, WAIT);

        assertFalse(agent.stop(Duration.ofMillis(200)), "an open WebSocket does not finish by itself");

        assertNotNull(proxy.awaitPosted("ws", WAIT).failure(), "the post was broken off");
        assertTrue(backend.connectionBroke.await(5, TimeUnit.SECONDS), "the backend saw a broken connection");
        assertEquals(0, agent.inFlight());
    }

    @Test
    void refusedUpgradeIsPostedAsAnOrdinaryAnswer() throws Exception {
        FakeProxy proxy = proxy();
        String refusal = "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 15\r\n\r\n"
                + "origin refused\n";
        RawBackend backend = backend(RawBackend.answering(refusal));
        Agent agent = agent(proxy, backend.hostAndPort());

        proxy.offerTunnel("ws", HANDSHAKE);

        FakeProxy.Posted posted = proxy.awaitPosted("ws", WAIT);
        assertNull(posted.failure());
        Messages.Response response = Messages.readResponse(posted.body(), "GET");
        assertEquals(403, response.status());
        assertEquals("origin refused\n", response.bodyText());
        assertEquals(refusal, posted.text(), "nothing more than the backend's answer");
        Wait.until(() -> agent.inFlight() == 0, WAIT, "the exchange ended");
    }

    @Test
    void refusalDelimitedByTheBackendClosingIsPostedChunked() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend((request, connection) -> {
            RawBackend.answering("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\nno such room").respond(request, connection);
            connection.close();
        });
        agent(proxy, backend.hostAndPort());

        proxy.offerTunnel("ws", HANDSHAKE);

        FakeProxy.Posted posted = proxy.awaitPosted("ws", WAIT);
        assertNull(posted.failure());
        Messages.Response response = Messages.readResponse(posted.body(), "GET");
        assertEquals(404, response.status());
        assertEquals("no such room", response.bodyText());
        assertTrue(posted.text().contains("Transfer-Encoding: chunked\r\n"), posted.text());
    }

    @Test
    void unreachableBackendIsAnswered502() throws Exception {
        FakeProxy proxy = proxy();
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Agent agent = agent(proxy, "127.0.0.1:" + closedPort);

        proxy.offerTunnel("ws", HANDSHAKE);

        Messages.Response response = Messages.readResponse(proxy.awaitPosted("ws", WAIT).body(), "GET");
        assertEquals(502, response.status());
        assertEquals("backend 127.0.0.1:" + closedPort + " refused the connection\n", response.bodyText());
        Wait.until(() -> agent.inFlight() == 0, WAIT, "the exchange ended");
    }

    @Test
    void tlsBackendThatFailsTheHandshakeIsAnswered502() throws Exception {
        FakeProxy proxy = proxy();
        // Speaks plain HTTP: the agent's TLS handshake fails on its answer.
        RawBackend backend = backend(RawBackend.answering(SWITCHING));
        agent(proxy, backend.hostAndPort(), "-scheme", "https");

        proxy.offerTunnel("ws", HANDSHAKE);

        Messages.Response response = Messages.readResponse(proxy.awaitPosted("ws", WAIT).body(), "GET");
        assertEquals(502, response.status());
        assertTrue(response.bodyText().startsWith("TLS with backend " + backend.hostAndPort() + " failed: "),
                response.bodyText());
    }

    @Test
    void backendSilentBeforeItsHeadIsAnswered504() throws Exception {
        FakeProxy proxy = proxy();
        CountDownLatch release = new CountDownLatch(1);
        resources.add(release::countDown);
        RawBackend backend = backend((request, connection) -> release.await(10, TimeUnit.SECONDS));
        agent(proxy, backend.hostAndPort(), "-backend-timeout", "300ms");

        proxy.offerTunnel("ws", HANDSHAKE);

        Messages.Response response = Messages.readResponse(proxy.awaitPosted("ws", WAIT).body(), "GET");
        assertEquals(504, response.status());
        assertEquals("backend " + backend.hostAndPort() + " did not answer within 300ms\n", response.bodyText());
    }

    @Test
    void aMessageSentAsAnUpgradeThatIsNoHandshakeIsAnswered400() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend(RawBackend.answering(SWITCHING));
        agent(proxy, backend.hostAndPort());

        proxy.offerTunnel("ws", "GET /chat HTTP/1.1\r\nHost: app.example.com\r\n\r\n");

        Messages.Response response = Messages.readResponse(proxy.awaitPosted("ws", WAIT).body(), "GET");
        assertEquals(400, response.status());
        assertNull(backend.pollRequest(Duration.ofMillis(200)), "nothing reached the backend");
    }
}
