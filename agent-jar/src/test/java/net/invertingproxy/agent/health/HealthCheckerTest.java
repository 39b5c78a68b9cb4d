package net.invertingproxy.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;

import com.sun.net.httpserver.HttpServer;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.forward.BackendClientFactory;
import net.invertingproxy.agent.testing.LogCapture;
import net.invertingproxy.agent.testing.Wait;

import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {
    private final AtomicInteger status = new AtomicInteger(503);
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final LogCapture log = new LogCapture(HealthChecker.class);
    private HttpServer backend;
    private CloseableHttpAsyncClient client;
    private HealthChecker checker;

    @BeforeEach
    void startBackend() throws IOException {
        backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        backend.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().toString());
            exchange.sendResponseHeaders(status.get(), -1);
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

    @Test
    void closesTheGateAfterTheThresholdAndOpensItOnThFirstPass() throws Exception {
        AgentConfig config = AgentConfig.parse("-proxy", "http://127.0.0.1:1/", "-backend", "b",
                "-host", "127.0.0.1:" + backend.getAddress().getPort(), "-health-check-path", "/healthz?deep=1",
                "-health-check-interval-seconds", "1", "-health-check-unhealthy-threshold", "2");
        HealthGate gate = new HealthGate();
        client = BackendClientFactory.create(config);
        checker = new HealthChecker(config, client, gate);
        checker.start();

        Wait.until(() -> paths.size() == 1, Duration.ofSeconds(2), "first check");
        assertTrue(gate.isHealthy(), "one failure is below the threshold of two");
        Wait.until(() -> !gate.isHealthy(), Duration.ofSeconds(3), "unhealthy after two failures");
        assertEquals(2, paths.size());
        status.set(204);
        Wait.until(gate::isHealthy, Duration.ofSeconds(3), "healthy after a pass");

        assertEquals(List.of("/healthz?deep=1", "/healthz?deep=1", "/healthz?deep=1"), paths);
        assertEquals(1, log.messages(Level.WARNING).size());
        assertTrue(log.messages(Level.WARNING).get(0).contains("failed 2 health checks in a row (last: status 503)"),
                log.messages(Level.WARNING).toString());
        assertEquals(1, log.messages(Level.INFO).size());
        assertFalse(log.messages(Level.INFO).get(0).isEmpty());
    }
}
