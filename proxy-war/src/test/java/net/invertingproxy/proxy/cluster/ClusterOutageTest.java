package net.invertingproxy.proxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import net.invertingproxy.tunnel.TestBackend;

/**
 * What instances do when Redis or one of them goes away: traffic an instance's own agents can take
 * keeps flowing, traffic that needs another instance gets a clear 503, and everything recovers by
 * itself; a draining instance hands its agents to the others and still finishes its own requests.
 */
class ClusterOutageTest {
    private TestBackend backend;
    private ProxyCluster cluster;
    private final List<LogRecord> storeLog = new CopyOnWriteArrayList<>();
    private final Handler storeLogHandler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            storeLog.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @AfterEach
    void stop() throws Exception {
        Logger.getLogger(ClusterStore.class.getName()).removeHandler(storeLogHandler);
        if (cluster != null) {
            cluster.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void withRedisDownLocalTrafficFlowsCrossInstanceTrafficGets503AndBothRecover() throws Exception {
        startCluster(2);
        // The agent polls instance 0 only; instance 1 reaches it through Redis.
        cluster.startAgent(cluster.uri(0, "/"), "default", backend.hostAndPort());
        ClusterTunnelTest.awaitServedThrough(cluster.uri(1, "/echo/before"));
        Logger.getLogger(ClusterStore.class.getName()).addHandler(storeLogHandler);

        cluster.redis.kill();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> local = get(cluster.uri(0, "/echo/local-" + i));
            assertEquals(200, local.statusCode(), local.body());
            assertEquals("target=/echo/local-" + i, local.body());
        }
        HttpResponse<String> crossing = get(cluster.uri(1, "/echo/crossing"));
        assertEquals(503, crossing.statusCode(), crossing.body());
        assertTrue(crossing.body().contains("Redis"), crossing.body());
        long outageErrors = storeLog.stream().filter(r -> r.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()).count();
        // One line per instance for the whole outage, not one per request.
        assertTrue(outageErrors >= 1 && outageErrors <= 2, "outage lines: " + outageErrors);

        cluster.redis.startAgain();
        long restarted = System.nanoTime();
        ClusterTunnelTest.awaitServedThrough(cluster.uri(1, "/echo/after"));
        Duration recovery = Duration.ofNanos(System.nanoTime() - restarted);
        assertTrue(recovery.compareTo(Duration.ofSeconds(10)) < 0, "recovered after " + recovery);
        assertTrue(storeLog.stream().anyMatch(r -> r.getMessage().contains("reachable again")), "no recovery line");
        System.out.println("cross-instance traffic served again " + recovery.toMillis() + " ms after Redis restarted");
    }

    @Test
    void aDrainingInstanceHandsItsAgentsOverAndStillFinishesItsOwnRequests() throws Exception {
        startCluster(3);
        NginxBalancer balancer = NginxBalancer.start(cluster.instances.stream().map(instance -> instance.port()).toList());
        try {
            cluster.startAgent(URI.create(balancer.baseUrl()), "default", backend.hostAndPort());
            ClusterTunnelTest.awaitServedThrough(cluster.uri(0, "/echo/ready"));
            // Requests parked on instance 0 whose answers come later, through any instance.
            List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                slow.add(ClusterTunnelTest.CLIENT.sendAsync(HttpRequest.newBuilder(cluster.uri(0, "/slow/1500"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            Thread.sleep(500);
            cluster.instances.get(0).startDrain();
            for (CompletableFuture<HttpResponse<String>> answer : slow) {
                assertEquals(200, answer.get().statusCode(), answer.get().body());
                assertEquals("slept", answer.get().body());
            }
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> served = get(cluster.uri(1 + i % 2, "/echo/after-drain-" + i));
                assertEquals(200, served.statusCode(), served.body());
            }
            assertEquals(503, get(cluster.uri(0, "/echo/to-the-drained")).statusCode());
        } finally {
            balancer.close();
        }
    }

    private void startCluster(int instances) throws Exception {
        backend = new TestBackend();
        backend.behave(ClusterBackend.behaviour());
        cluster = ProxyCluster.start(instances, Map.of("poll-hold-seconds", "5"), ClusterTunnelTest.BACKEND);
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return ClusterTunnelTest.CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
