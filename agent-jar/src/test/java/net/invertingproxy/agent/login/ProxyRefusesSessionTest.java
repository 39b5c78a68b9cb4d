package net.invertingproxy.agent.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.proxy.ProxyClient;
import net.invertingproxy.agent.proxy.ProxyStatusException;
import net.invertingproxy.protocol.AgentLogin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** The proxy answers 401 to a poll carrying the session: the agent drops it and logs in before its next poll. */
class ProxyRefusesSessionTest {
    private final List<String> pollAuthorizations = new CopyOnWriteArrayList<>();
    private final AtomicInteger logins = new AtomicInteger();
    private HttpServer server;
    private ProxyClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void a401ToThePollDropsTheSessionAndTheNextPollLogsInAgain() throws Exception {
        // A proxy that, like one restarted with a new key, refuses the first session and takes the second.
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/agent/pending", this::pending);
        server.start();
        client = new ProxyClient(AgentConfig.parse("-proxy", "http://127.0.0.1:" + server.getAddress().getPort() + "/",
                "-backend", "be-7"), "test");
        // Sessions that last an hour: only the 401 can make the agent log in again within this test.
        client.authorizeWith(new SessionAuthorization(() -> new AgentLogin.Request(Map.of()),
                login -> new AgentLogin.Answer("ips_" + logins.incrementAndGet(), 3600), Clock.systemUTC()));

        ProxyStatusException refused = assertThrows(ProxyStatusException.class,
                () -> client.poll(client.newPoll(List.of())));
        assertEquals(401, refused.status());
        assertEquals(List.of(), client.poll(client.newPoll(List.of())).requests());

        assertEquals(List.of("Bearer ips_1", "Bearer ips_2"), pollAuthorizations);
        assertEquals(2, logins.get());
    }

    private void pending(HttpExchange exchange) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        pollAuthorizations.add(String.valueOf(authorization));
        boolean refused = "Bearer ips_1".equals(authorization);
        byte[] body = (refused ? "session credential invalid or expired\n" : "[]").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(refused ? 401 : 200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
