package net.invertingproxy.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;

import com.sun.net.httpserver.HttpServer;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.config.UsageException;
import net.invertingproxy.agent.forward.BackendClientFactory;
import net.invertingproxy.agent.testing.LogCapture;
import net.invertingproxy.agent.testing.Wait;

import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Health checks against a real backend on 127.0.0.1, configured with Go agent command lines. */
class HealthCheckerTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    // The status of every path not given a redirect.
    private final AtomicInteger status = new AtomicInteger(503);
    private final Map<String, String> redirects = new ConcurrentHashMap<>();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final LogCapture log = new LogCapture(HealthChecker.class);
    private HttpServer backend;
    private CloseableHttpAsyncClient client;
    private HealthChecker checker;

    @BeforeEach
    void startBackend() throws IOException {
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            String path = exchange.getRequestURI().toString();
            paths.add(path);
            String location = redirects.get(path);
            if (location != null) {
                exchange.getResponseHeaders().add("Location", location);
            }
            exchange.sendResponseHeaders(location != null ? 302 : status.get(), -1);
            exchange.close();
        });
        backend.start();
    }

    @AfterEach
    void stop() throws IOException {
        if (checker != null) {
            checker.stop();
        }
        if (client != null) {
            client.close();
        }
        backend.stop(0);
        log.close();
    }

    private void startChecker(HealthGate gate, String... goFlags) throws UsageException {
        List<String> args = new ArrayList<>(List.of("-proxy", "http://127.0.0.1:1/", "-backend", "b",
                "-host", "127.0.0.1:" + backend.getAddress().getPort()));
        args.addAll(List.of(goFlags));
        AgentConfig config = AgentConfig.parse(args.toArray(new String[0]));
        client = BackendClientFactory.create(config);
        checker = new HealthChecker(config, client, gate);
        checker.start();
    }

    @Test
    void closesTheGateAfterTheThresholdAndOpensItOnTheFirstPass() throws Exception {
        HealthGate gate = new HealthGate(true);
        startChecker(gate, "-health-check-path", "healthz?deep=1", "-health-check-interval-seconds", "1",
                "-health-check-unhealthy-threshold", "2");

        Wait.until(() -> paths.size() == 1, Duration.ofSeconds(2), "first check");
        assertTrue(gate.isHealthy(), "one failure is below the threshold of two");
        Wait.until(() -> !gate.isHealthy(), Duration.ofSeconds(3), "unhealthy after two failures");
        assertEquals(2, paths.size());
        status.set(200);
        Wait.until(gate::isHealthy, Duration.ofSeconds(3), "healthy after a pass");
        // The gate opens just before the line saying so is logged.
        Wait.until(() -> !log.messages(Level.INFO).isEmpty(), WAIT, "logged");

        // Go's agent adds the leading slash the command line left out.
        assertEquals(List.of("/healthz?deep=1", "/healthz?deep=1", "/healthz?deep=1"), paths);
        assertEquals(1, log.messages(Level.WARNING).size());
        assertTrue(log.messages(Level.WARNING).get(0).contains("failed 2 health checks in a row (last: status 503)"),
                log.messages(Level.WARNING).toString());
        assertEquals(1, log.messages(Level.INFO).size());
        assertTrue(log.messages(Level.INFO).get(0).endsWith("; polling resumed"), log.messages(Level.INFO).toString());
    }

    @Test
    void onlyA200OpensTheGateOfAnAgentWaitingToStart() throws Exception {
        status.set(204);
        HealthGate gate = new HealthGate(false);
        startChecker(gate, "-health-check-interval-seconds", "1");

        Wait.until(() -> paths.size() >= 2, WAIT, "two checks");
        assertFalse(gate.isHealthy(), "204 is not the 200 Go's agent requires");
        status.set(200);
        Wait.until(gate::isHealthy, WAIT, "healthy once the backend answers 200");
        Wait.until(() -> log.messages(Level.INFO).size() == 2, WAIT, "logged");

        assertTrue(paths.stream().allMatch("/"::equals), "Go's default path is /: " + paths);
        assertEquals(List.of("backend http://127.0.0.1:" + backend.getAddress().getPort() + " failed its health check /"
                + " (status 204); polling starts once a check passes"), log.messages(Level.WARNING));
        List<String> info = log.messages(Level.INFO);
        assertEquals(2, info.size(), info.toString());
        assertTrue(info.get(0).startsWith("waiting for backend "), info.toString());
        assertTrue(info.get(1).endsWith("passed its health check /; polling started"), info.toString());
    }

    @Test
    void redirectsAreFollowedAsGoDoesAndTheFinalAnswerCounts() throws Exception {
        redirects.put("/", "/login?next=%2F");
        status.set(200);
        HealthGate gate = new HealthGate(false);
        startChecker(gate, "-health-check-interval-seconds", "1");

        Wait.until(gate::isHealthy, WAIT, "healthy through the redirect");
        assertEquals(List.of("/", "/login?next=%2F"), paths.subList(0, 2));
    }

    @Test
    void endlessRedirectsFailAfterTen() throws Exception {
        redirects.put("/loop", "/loop");
        HealthGate gate = new HealthGate(false);
        startChecker(gate, "-health-check-path", "/loop", "-health-check-interval-seconds", "5");

        Wait.until(() -> !log.messages(Level.WARNING).isEmpty(), WAIT, "the first check failed");
        assertFalse(gate.isHealthy());
        assertEquals(10, paths.size(), paths.toString());
        assertTrue(log.messages(Level.WARNING).get(0).contains("(stopped after 10 redirects)"),
                log.messages(Level.WARNING).toString());
    }
}
