package net.invertingproxy.agent.tunnel;

import static net.invertingproxy.agent.tunnel.WebSocketTunnelTest.HANDSHAKE;
import static net.invertingproxy.agent.tunnel.WebSocketTunnelTest.SWITCHING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.LogCapture;
import net.invertingproxy.agent.testing.SwitchingBackend;
import net.invertingproxy.agent.testing.Wait;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's keep-alive pings towards a tunnelled WebSocket's backend ({@code -websocket-ping}):
 * empty pings, masked as a client's (RFC 6455 sections 5.3 and 5.5.2), while the backend is silent,
 * none while it talks, and never inside one of the client's frames.
 */
class WebSocketPingTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    // As -websocket-ping 200ms says.
    private static final Duration INTERVAL = Duration.ofMillis(200);
    // 0x89 (FIN, ping), 0x80 (masked, no payload), four bytes of masking key.
    private static final int PING_LENGTH = 6;

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

    private Agent agent(FakeProxy proxy, SwitchingBackend backend, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-proxy", proxy.url(), "-backend", "test-backend",
                "-host", backend.server.hostAndPort()));
        args.addAll(Arrays.asList(flags));
        Agent agent = Agent.start(AgentConfig.parse(args.toArray(new String[0])));
        resources.add(() -> agent.stop(Duration.ofSeconds(1)));
        return agent;
    }

    private static FakeProxy.Tunnel open(FakeProxy proxy, String requestId) throws InterruptedException {
        FakeProxy.Tunnel tunnel = proxy.offerTunnel(requestId, HANDSHAKE);
        tunnel.awaitPosted(SWITCHING, WAIT);
        return tunnel;
    }

    // How many pings {@code bytes} hold; fails unless they are nothing but whole masked empty pings.
    private static int pingsIn(byte[] bytes) {
        assertEquals(0, bytes.length % PING_LENGTH, "whole pings only: " + Arrays.toString(bytes));
        for (int i = 0; i < bytes.length; i += PING_LENGTH) {
            assertEquals((byte) 0x89, bytes[i], "a final ping frame: " + Arrays.toString(bytes));
            assertEquals((byte) 0x80, bytes[i + 1], "masked and empty: " + Arrays.toString(bytes));
        }
        return bytes.length / PING_LENGTH;
    }

    private static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().equals(name)).count();
    }

    @Test
    void aSilentBackendIsPingedOncePerInterval() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        long start = System.nanoTime();
        agent(proxy, backend, "-websocket-ping", "200ms");
        open(proxy, "ws");

        Wait.until(() -> backend.received.length() >= PING_LENGTH, Duration.ofSeconds(1), "a first ping");
        Wait.until(() -> backend.received.length() >= 2 * PING_LENGTH, Duration.ofSeconds(1), "a second ping");
        int early = pingsIn(backend.receivedBytes());
        // Letting time pass is the point: pings go on, no faster than one per interval.
        Thread.sleep(1000);

        int pings = pingsIn(backend.receivedBytes());
        long elapsed = System.nanoTime() - start;
        assertTrue(pings >= early + 2, "pings went on: " + early + " then " + pings);
        assertTrue(pings <= elapsed / INTERVAL.toNanos(), pings + " pings in " + elapsed / 1_000_000 + " ms");
    }

    @Test
    void aBackendThatKeepsTalkingIsNotPinged() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        agent(proxy, backend, "-websocket-ping", "200ms");
        FakeProxy.Tunnel tunnel = open(proxy, "ws");

        // A byte every 50 ms for a second: five intervals, none of them silent.
        for (int i = 0; i < 20; i++) {
            backend.send("b");
            Thread.sleep(50);
        }

        assertEquals("", backend.received.toString(), "no ping while the backend talks");
        tunnel.awaitPosted(SWITCHING + "b".repeat(20), WAIT);
        // Silent now, it is pinged: the pings were on all along.
        Wait.until(() -> backend.received.length() >= PING_LENGTH, Duration.ofSeconds(1), "a ping once the backend fell silent");
        pingsIn(backend.receivedBytes());
    }

    @Test
    void aPingNeverSplitsAFrameOfTheClient() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        agent(proxy, backend, "-websocket-ping", "200ms");
        FakeProxy.Tunnel tunnel = open(proxy, "ws");
        // A masked binary frame of 10 payload bytes: 2 header bytes, 4 of masking key, the payload.
        String frame = new String(new byte[] {(byte) 0x82, (byte) 0x8a, 1, 2, 3, 4,
            10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, StandardCharsets.ISO_8859_1);
        String head = frame.substring(0, 9);

        tunnel.send(head);
        backend.awaitReceived(head);
        // Five intervals of a silent backend, all amid the client's frame.
        Thread.sleep(1000);
        tunnel.send(frame.substring(9));

        Wait.until(() -> backend.received.toString().contains(frame)
                        && backend.received.length() >= backend.received.indexOf(frame) + frame.length() + PING_LENGTH,
                WAIT, "the frame's 16 bytes together, then a ping");
        String received = backend.received.toString();
        int at = received.indexOf(frame);
        // Pings may come before the frame started and after it ended, never inside it.
        pingsIn(received.substring(0, at).getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(pingsIn(received.substring(at + frame.length()).getBytes(StandardCharsets.ISO_8859_1)) >= 1);
    }

    @Test
    void aPingTheBackendNoLongerTakesEndsTheTunnelLikeAFailedWrite() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        Agent agent = agent(proxy, backend, "-websocket-ping", "200ms");
        open(proxy, "ws");
        LogCapture log = new LogCapture(WebSocketTunnel.class);
        resources.add(log);

        // Gone without a word from the client: only a write to the backend can tell the client's side.
        backend.close();

        assertNull(proxy.awaitPosted("ws", WAIT).failure(), "the backend's side ended cleanly");
        // The first ping draws a reset from the closed socket, the next one fails: the request read is dropped.
        Wait.until(() -> agent.inFlight() == 0, WAIT, "the tunnel ended");
        assertEquals(List.of(), log.messages(Level.WARNING), "the backend closed cleanly: nothing to warn about");
    }

    @Test
    void zeroTurnsPingsOff() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        agent(proxy, backend, "-websocket-ping", "0");
        open(proxy, "ws");

        // Five times the interval of the other tests.
        Thread.sleep(1000);

        assertEquals("", backend.received.toString());
        // Threads of agents stopped by earlier tests may take a moment to end; this agent starts none.
        Wait.until(() -> threadsNamed(WebSocketPinger.THREAD_NAME) == 0, WAIT, "no ping thread for pings that are off");
    }

    @Test
    void oneThreadPingsEveryTunnelAndEndsWithTheAgent() throws Exception {
        FakeProxy proxy = proxy();
        SwitchingBackend backend = switchingBackend();
        Agent agent = agent(proxy, backend, "-websocket-ping", "200ms");
        open(proxy, "ws1");
        open(proxy, "ws2");

        // Both connections' pings land in the one record.
        Wait.until(() -> backend.received.length() >= 4 * PING_LENGTH, WAIT, "pings on both tunnels");
        // Threads of agents stopped by earlier tests may take a moment to end.
        Wait.until(() -> threadsNamed(WebSocketPinger.THREAD_NAME) == 1, WAIT, "one ping thread for both tunnels");
        assertFalse(agent.stop(Duration.ofMillis(200)), "open WebSockets do not end by themselves");

        Wait.until(() -> threadsNamed(WebSocketPinger.THREAD_NAME) == 0, WAIT, "the ping thread ended with the agent");
    }
}
