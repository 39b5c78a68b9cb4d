package net.invertingproxy.proxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import redis.clients.jedis.RedisClient;

import net.invertingproxy.faults.PackagedAgent;
import net.invertingproxy.protocol.WireHeaders;
import net.invertingproxy.tunnel.AdminClient;
import net.invertingproxy.tunnel.TestBackend;
import net.invertingproxy.tunnel.WebSocketBackend;
import net.invertingproxy.tunnel.WebSocketPeer;

/**
 * The packaged WAR as three instances on one Redis behind nginx, which spreads every call
 * round-robin as an ALB without stickiness does; the packaged agents and the clients know only
 * nginx's address. The suite a single proxy passes, run against the cluster, then an instance
 * killed mid-load and Redis restarted mid-load.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private static final String SECRET = "cluster-it-secret-0123456789abcdefghijkl";
    private static final String ADMIN_TOKEN = "cluster-it-admin-0123456789abcdefghijkl";
    private static final long HUNDRED_MIB = 100L * 1024 * 1024;
    private static final Map<String, String> SETTINGS = Map.of(
            "poll-hold-seconds", "5",
            "request-timeout-seconds", "8",
            "claim-timeout-seconds", "3",
            "agent-offline-after-seconds", "8",
            "cluster-instance-expiry-seconds", "3");
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static RedisServer redis;
    private static final List<ClusterInstance> instances = new ArrayList<>();
    private static NginxBalancer balancer;
    private static TestBackend backend;
    private static WebSocketBackend webSockets;
    private static final List<PackagedAgent> agents = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        redis = RedisServer.start();
        Path dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "cluster-it-");
        List<Integer> ports = List.of(ProxyCluster.freePort(), ProxyCluster.freePort(), ProxyCluster.freePort());
        instances.add(ClusterInstance.start("instance-0", ports.get(0), redis.url(), SECRET, ADMIN_TOKEN, dataDir, SETTINGS));
        AdminClient admin = new AdminClient(instances.get(0).uri("/"), ADMIN_TOKEN);
        String http = AdminClient.agentCredential(admin.create(
                "{\"id\": \"http\", \"routes\": [{\"pathPrefix\": \"/\"}]}"));
        String ws = AdminClient.agentCredential(admin.create(
                "{\"id\": \"ws\", \"routes\": [{\"pathPrefix\": \"/echo\"}]}"));
        String down = AdminClient.agentCredential(admin.create(
                "{\"id\": \"down\", \"routes\": [{\"pathPrefix\": \"/down\"}]}"));
        admin.create("{\"id\": \"idle\", \"routes\": [{\"pathPrefix\": \"/idle\"}]}");
        for (int i = 1; i < 3; i++) {
            instances.add(ClusterInstance.start("instance-" + i, ports.get(i), redis.url(), SECRET, ADMIN_TOKEN, dataDir, SETTINGS));
        }
        balancer = NginxBalancer.start(ports);
        backend = new TestBackend();
        backend.behave(ClusterBackend.behaviour());
        webSockets = new WebSocketBackend();
        URI lb = URI.create(balancer.baseUrl());
        agents.add(PackagedAgent.start("cluster-http", lb, "http", http, backend.hostAndPort()));
        agents.add(PackagedAgent.start("cluster-ws", lb, "ws", ws, webSockets.hostAndPort()));
        agents.add(PackagedAgent.start("cluster-down", lb, "down", down, "127.0.0.1:" + ProxyCluster.freePort()));
        awaitStatus(lb("/hello/ready"), 200, Duration.ofSeconds(30));
        awaitStatus(lb("/down/ready"), 502, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        for (PackagedAgent agent : agents) {
            agent.close();
        }
        if (balancer != null) {
            balancer.close();
        }
        for (ClusterInstance instance : instances) {
            instance.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (webSockets != null) {
            webSockets.close();
        }
    }

    @Test
    @Order(1)
    void aHundredMebibytesStreamEachWayThroughTheBalancer() throws Exception {
        long started = System.nanoTime();
        ClusterBackend.assertUploadArrivesWhole(CLIENT, lb("/upload"), 100);
        Duration up = Duration.ofNanos(System.nanoTime() - started);
        started = System.nanoTime();
        ClusterBackend.assertDownloadArrivesWhole(CLIENT, lb("/"), HUNDRED_MIB);
        Duration down = Duration.ofNanos(System.nanoTime() - started);
        System.out.printf("100 MiB through the cluster: up %d ms, down %d ms%n", up.toMillis(), down.toMillis());
    }

    @Test
    @Order(2)
    void webSocketsWorkThroughTheBalancer() throws Exception {
        List<WebSocketPeer> peers = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                peers.add(WebSocketPeer.open(URI.create("ws://127.0.0.1:" + balancer.port() + "/echo")));
            }
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < peers.size(); i++) {
                    peers.get(i).sendText("socket " + i + " round " + round);
                }
                for (int i = 0; i < peers.size(); i++) {
                    assertEquals("socket " + i + " round " + round, peers.get(i).nextMessage(Duration.ofSeconds(10)).toString());
                }
            }
            byte[] large = new byte[4 * 1024 * 1024];
            new Random(3).nextBytes(large);
            peers.get(0).sendBinary(large);
            Object echoed = peers.get(0).nextMessage(Duration.ofSeconds(20));
            assertTrue(echoed instanceof byte[] bytes && java.util.Arrays.equals(large, bytes), "4 MiB binary message not echoed whole");
        } finally {
            for (WebSocketPeer peer : peers) {
                peer.socket().abort();
            }
        }
    }

    @Test
    @Order(3)
    void errorPathsAnswerAsOneInstanceWould() throws Exception {
        for (int i = 0; i < 3; i++) {
            // No agent serves "idle": 503 at once, from whichever instance took the request.
            HttpResponse<String> noAgent = get(lb("/idle/" + i));
            assertEquals(503, noAgent.statusCode(), noAgent.body());
            assertTrue(noAgent.body().contains("no agent"), noAgent.body());
            // The agent of "down" cannot reach its backend: its 502 comes back.
            assertEquals(502, get(lb("/down/" + i)).statusCode());
        }
        // The backend answers after the request timeout (8 s): 504 from the instance holding the client.
        long started = System.nanoTime();
        HttpResponse<String> late = get(lb("/slow/11000"));
        assertEquals(504, late.statusCode(), late.body());
        Duration waited = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(waited.compareTo(Duration.ofSeconds(7)) > 0 && waited.compareTo(Duration.ofSeconds(11)) < 0,
                "504 after " + waited);
    }

    @Test
    @Order(4)
    void callsWithoutTheRightCredentialsAreRefusedOnEveryInstance() throws Exception {
        String someRequest = "abcdefghij-" + "B".repeat(22);
        for (ClusterInstance instance : instances) {
            // Posing as another instance: a wrong secret, or a relayed address without one.
            assertEquals(403, send(HttpRequest.newBuilder(instance.uri("/agent/request"))
                    .header(ClusterCredential.SECRET_HEADER, "not-the-secret")
                    .header(WireHeaders.BACKEND_ID, "http").header(WireHeaders.REQUEST_ID, someRequest)).statusCode());
            assertEquals(403, send(HttpRequest.newBuilder(instance.uri("/hello/x"))
                    .header(ClusterCredential.CALLER_HEADER, "10.1.2.3")).statusCode());
        }
        // Through the balancer: an agent call with a wrong credential, and one for another backend.
        HttpResponse<String> wrongCredential = send(HttpRequest.newBuilder(lb("/agent/pending"))
                .header(WireHeaders.BACKEND_ID, "http").header("Authorization", "Bearer ipa_wrong.wrong"));
        assertEquals(401, wrongCredential.statusCode(), wrongCredential.body());
        HttpResponse<String> namedRead = send(HttpRequest.newBuilder(lb("/agent/request"))
                .header(WireHeaders.BACKEND_ID, "http").header(WireHeaders.REQUEST_ID, someRequest));
        assertEquals(401, namedRead.statusCode(), namedRead.body());
    }

    @Test
    @Order(5)
    void aRegistryChangeThroughOneInstanceIsSeenByAllWithinASecond() throws Exception {
        AdminClient admin = new AdminClient(instances.get(1).uri("/"), ADMIN_TOKEN);
        long started = System.nanoTime();
        admin.create("{\"id\": \"late\", \"routes\": [{\"pathPrefix\": \"/late\"}]}");
        for (ClusterInstance instance : List.of(instances.get(0), instances.get(2))) {
            AdminClient other = new AdminClient(instance.uri("/"), ADMIN_TOKEN);
            while (other.call("GET", "/api/backends/late", null).status() != 200) {
                assertTrue(System.nanoTime() - started < Duration.ofSeconds(1).toNanos(),
                        "backend 'late' not seen by " + instance.uri("/") + " within 1 s");
                Thread.sleep(20);
            }
        }
        System.out.printf("registry change seen by every instance after %d ms%n",
                Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    @Test
    @Order(6)
    void anInstanceKilledMidLoadFailsOnlyWhatItHeldAndItsEntryExpires() throws Exception {
        Load load = Load.start(6);
        Thread.sleep(2000);
        ClusterInstance victim = instances.get(2);
        String victimUrl = "http://127.0.0.1:" + victim.port() + "/";
        long killedAt = System.nanoTime();
        victim.kill();
        try {
            Duration expiredAfter = awaitMemberGone(victimUrl, Duration.ofSeconds(10));
            Thread.sleep(3000);
            Load.Result result = load.stop();
            System.out.printf("instance killed mid-load: %s; its entry expired %d ms after the kill%n", result,
                    expiredAfter.toMillis());
            assertEquals(0, result.hung(), "requests that hung: " + result);
            // Only requests whose connections or calls passed through the dead instance at that moment
            // failed, each with a definite error: a broken connection, the balancer's 502, or the 504
            // of a request whose agent's answer was being relayed through the dead instance.
            assertTrue(result.failed() <= 6 * 2, "failed: " + result);
            assertTrue(result.failures().keySet().stream().allMatch(status -> status == 0 || status == 502 || status == 504),
                    "failures other than a broken connection, 502 or 504: " + result);
            assertTrue(result.succeededAfter(killedAt + Duration.ofSeconds(1).toNanos()) > 20, "served after: " + result);
            // Nothing parked after the kill failed: a 504 comes request-timeout-seconds (8) after its request.
            assertEquals(0, result.failedAfter(killedAt + Duration.ofSeconds(10).toNanos()),
                    "failures long after the kill: " + result);
            assertTrue(expiredAfter.compareTo(Duration.ofSeconds(5)) < 0, "entry expired after " + expiredAfter);
        } finally {
            load.stop();
            victim.startAgain();
            awaitStatus(victim.uri("/hello/back"), 200, Duration.ofSeconds(20));
        }
    }

    @Test
    @Order(7)
    void redisRestartedMidLoadRecoversByItself() throws Exception {
        Load load = Load.start(6);
        Thread.sleep(2000);
        long killedAt = System.nanoTime();
        redis.kill();
        Thread.sleep(1000);
        redis.startAgain();
        long restartedAt = System.nanoTime();
        Thread.sleep(12000);
        Load.Result result = load.stop();
        System.out.printf("Redis restarted mid-load: %s%n", result);
        assertEquals(0, result.hung(), "requests that hung: " + result);
        assertEquals(0, result.failedBefore(killedAt), "failures before Redis went: " + result);
        assertEquals(0, result.failedAfter(restartedAt + Duration.ofSeconds(2).toNanos()),
                "failures 2 s after Redis was back: " + result);
        assertTrue(result.succeededAfter(restartedAt + Duration.ofSeconds(2).toNanos()) > 20, "served after: " + result);
        assertTrue(result.failures().keySet().stream().allMatch(status -> status == 503),
                "only 503s while Redis was gone: " + result);
    }

    private static Duration awaitMemberGone(String internalUrl, Duration timeout) throws Exception {
        long started = System.nanoTime();
        try (RedisClient raw = RedisClient.create("127.0.0.1", redis.port())) {
            while (System.nanoTime() - started < timeout.toNanos()) {
                boolean present = false;
                for (String id : raw.smembers(ClusterMembers.MEMBERS_KEY)) {
                    if (internalUrl.equals(raw.hget(ClusterMembers.MEMBER_KEY_PREFIX + id, "url"))) {
                        present = true;
                    }
                }
                if (!present) {
                    return Duration.ofNanos(System.nanoTime() - started);
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError(internalUrl + " still a member after " + timeout);
    }

    private static URI lb(String path) {
        return URI.create("http://127.0.0.1:" + balancer.port() + path);
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return send(HttpRequest.newBuilder(uri));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return CLIENT.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitStatus(URI uri, int status, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> answer = get(uri);
                if (answer.statusCode() == status) {
                    return;
                }
                last = answer.statusCode() + " " + answer.body();
            } catch (java.io.IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw new AssertionError(uri + " did not answer " + status + " within " + timeout + ": " + last);
    }

    /** Clients sending small requests through the balancer in a loop, each outcome timed. */
    private static final class Load {
        private final ExecutorService clients;
        private final List<Future<?>> running = new ArrayList<>();
        private final List<long[]> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
        private volatile boolean stopping;
        private final AtomicInteger counter = new AtomicInteger();

        private Load(int clients) {
            this.clients = Executors.newFixedThreadPool(clients);
        }

        static Load start(int clients) {
            Load load = new Load(clients);
            for (int i = 0; i < clients; i++) {
                load.running.add(load.clients.submit(load::loop));
            }
            return load;
        }

        // Each outcome: {end time, status (0 for a broken connection, -1 for a hang)}.
        private void loop() {
            while (!stopping) {
                int n = counter.incrementAndGet();
                // POSTs too: the balancer never sends one to a second instance, as an ALB never retries.
                HttpRequest request = switch (n % 3) {
                    case 0 -> HttpRequest.newBuilder(lb("/slow/200")).timeout(Duration.ofSeconds(15)).build();
                    case 1 -> HttpRequest.newBuilder(lb("/upload")).timeout(Duration.ofSeconds(15))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[64 * 1024])).build();
                    default -> HttpRequest.newBuilder(lb("/hello/" + n)).timeout(Duration.ofSeconds(15)).build();
                };
                long status;
                try {
                    HttpResponse<String> answer = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
                    status = answer.statusCode();
                } catch (java.net.http.HttpTimeoutException e) {
                    status = -1;
                } catch (java.io.IOException e) {
                    status = 0;
                } catch (InterruptedException e) {
                    return;
                }
                outcomes.add(new long[] {System.nanoTime(), status});
            }
        }

        Result stop() throws Exception {
            stopping = true;
            for (Future<?> client : running) {
                client.get();
            }
            clients.shutdown();
            return new Result(List.copyOf(outcomes));
        }

        /** What the clients saw. */
        record Result(List<long[]> outcomes) {
            long hung() {
                return outcomes.stream().filter(o -> o[1] == -1).count();
            }

            long failed() {
                return outcomes.stream().filter(o -> o[1] != 200).count();
            }

            long failedBefore(long nanos) {
                return outcomes.stream().filter(o -> o[0] < nanos && o[1] != 200).count();
            }

            long failedAfter(long nanos) {
                return outcomes.stream().filter(o -> o[0] > nanos && o[1] != 200).count();
            }

            long succeededAfter(long nanos) {
                return outcomes.stream().filter(o -> o[0] > nanos && o[1] == 200).count();
            }

            Map<Long, Integer> failures() {
                Map<Long, Integer> byStatus = new ConcurrentHashMap<>();
                outcomes.stream().filter(o -> o[1] != 200).forEach(o -> byStatus.merge(o[1], 1, Integer::sum));
                return byStatus;
            }

            @Override
            public String toString() {
                return outcomes.size() + " requests, " + (outcomes.size() - failed()) + " answered 200, failures by status "
                        + failures() + " (0: connection broken)";
            }
        }
    }
}
