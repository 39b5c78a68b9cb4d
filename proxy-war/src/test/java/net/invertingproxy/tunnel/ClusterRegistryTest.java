package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import net.invertingproxy.proxy.cluster.RedisServer;
import net.invertingproxy.proxy.standalone.EmbeddedProxy;

/** Two whole proxies on one real Redis: what the admin API of one changes, the other serves. */
class ClusterRegistryTest {
    private static final String SECRET = "cluster-secret-0123456789abcdef-0123456789";
    private static final String BILLING = "{\"id\": \"billing\", \"routes\": [{\"pathPrefix\": \"/billing\"}]}";

    @TempDir
    Path dir;

    @Test
    void aChangeThroughOneInstancesAdminApiIsServedByTheOtherWithinASecond() throws Exception {
        try (RedisServer redis = RedisServer.start();
             EmbeddedProxy first = EmbeddedProxy.start(options(redis, dir.resolve("first")));
             EmbeddedProxy second = EmbeddedProxy.start(options(redis, dir.resolve("second")))) {
            AdminClient one = new AdminClient(first.baseUri(), Tunnel.ADMIN_TOKEN);
            AdminClient two = new AdminClient(second.baseUri(), Tunnel.ADMIN_TOKEN);

            one.create(BILLING);
            Duration created = awaitStatus(two, "/api/backends/billing", 200);
            assertTrue(created.compareTo(Duration.ofSeconds(1)) < 0, "seen after " + created);
            assertEquals(409, two.call("POST", "/api/backends", BILLING).status(), "the ID is taken on both");

            assertEquals(204, two.call("DELETE", "/api/backends/billing", null).status());
            Duration deleted = awaitStatus(one, "/api/backends/billing", 404);
            assertTrue(deleted.compareTo(Duration.ofSeconds(1)) < 0, "deletion seen after " + deleted);

            one.create(BILLING);
            awaitStatus(two, "/api/backends/billing", 200);
            redis.kill();
            AdminClient.Answer refused = one.call("POST", "/api/backends",
                    "{\"id\": \"wiki\", \"routes\": [{\"pathPrefix\": \"/wiki\"}]}");
            assertEquals(503, refused.status(), refused.body());
            assertTrue(refused.body().contains("the shared registry (Redis) is unreachable: "), refused.body());
            assertEquals(200, two.call("GET", "/api/backends/billing", null).status(), "reads go on");
        }
    }

    private static EmbeddedProxy.Options options(RedisServer redis, Path dataDir) {
        return EmbeddedProxy.Options.of(Tunnel.WEBAPP)
                .withInitParameter("data-dir", dataDir.toString())
                .withInitParameter("admin-token", Tunnel.ADMIN_TOKEN)
                .withInitParameter("poll-hold-seconds", "1")
                .withInitParameter("drain-timeout-seconds", "1")
                .withInitParameter("cluster-redis-url", redis.url())
                .withInitParameter("cluster-secret", SECRET)
                .withInitParameter("cluster-internal-url", "http://127.0.0.1:1/");
    }

    private static Duration awaitStatus(AdminClient admin, String path, int status) throws Exception {
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(10).toNanos();
        int last;
        while ((last = admin.call("GET", path, null).status()) != status) {
            assertTrue(System.nanoTime() < deadline, "still " + last + " after 10 s");
            Thread.sleep(5);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
