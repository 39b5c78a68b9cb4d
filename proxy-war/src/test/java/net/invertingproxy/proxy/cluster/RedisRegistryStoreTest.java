package net.invertingproxy.proxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

import net.invertingproxy.proxy.admin.BackendAdmin;
import net.invertingproxy.proxy.credential.SecretHash;
import net.invertingproxy.proxy.discovery.LogLines;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.registry.AgentKey;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.BackendRegistry;
import net.invertingproxy.proxy.registry.RegistryConflictException;
import net.invertingproxy.proxy.registry.RegistryFileException;
import net.invertingproxy.proxy.registry.RegistryUnavailableException;
import net.invertingproxy.proxy.registry.Route;
import net.invertingproxy.proxy.registry.StoredBackends;

/** Two registries (two proxy instances) sharing one real redis-server. */
class RedisRegistryStoreTest {
    private static final Duration PROPAGATION = Duration.ofSeconds(1);
    private static final Instant CREATED = Instant.parse("2024-01-31T12:00:00Z");
    private static final int MAX_BACKENDS = 100;

    @TempDir
    Path dir;
    private RedisServer server;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        server = RedisServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        server.close();
    }

    @Test
    void aCreateOnOneInstanceIsServedByTheOtherWithinASecond() throws Exception {
        BackendRegistry first = instance();
        BackendRegistry second = instance();
        refreshed(first);
        refreshed(second);

        first.create(backend("billing", "/billing"));
        Duration took = awaitTrue(() -> second.get("billing").isPresent());

        assertTrue(took.compareTo(PROPAGATION) < 0, "seen after " + took);
        assertEquals(List.of("/billing"), routesOf(second, "billing"));
        assertEquals("billing", second.byAgentKeyId("k-billing").orElseThrow().id());
    }

    @Test
    void replaceAndDeleteReachTheOtherInstanceAndItsRemovalListeners() throws Exception {
        BackendRegistry first = instance();
        BackendRegistry second = instance();
        List<String> removedOnFirst = new CopyOnWriteArrayList<>();
        List<String> removedOnSecond = new CopyOnWriteArrayList<>();
        first.onRemoval(removedOnFirst::add);
        second.onRemoval(removedOnSecond::add);
        refreshed(first);
        refreshed(second);
        first.create(backend("billing", "/billing"));
        first.create(backend("reports", "/reports"));
        awaitTrue(() -> second.all().size() == 2);

        first.replace(backend("billing", "/invoices"));
        Duration replaced = awaitTrue(() -> routesOf(second, "billing").equals(List.of("/invoices")));
        assertTrue(replaced.compareTo(PROPAGATION) < 0, "replacement seen after " + replaced);

        assertTrue(second.delete("reports"));
        Duration deleted = awaitTrue(() -> first.get("reports").isEmpty());
        assertTrue(deleted.compareTo(PROPAGATION) < 0, "deletion seen after " + deleted);
        Duration told = awaitTrue(() -> removedOnFirst.contains("reports"));
        assertTrue(told.compareTo(PROPAGATION) < 0, "removal listener told after " + told);

        assertEquals(List.of("reports"), removedOnSecond);
        Thread.sleep(3 * RegistryRefresher.INTERVAL.toMillis());
        assertEquals(List.of("reports"), removedOnFirst, "told once, not on every refresh");
        assertEquals(List.of("billing"), ids(first));
        assertEquals(List.of("billing"), ids(second));
    }

    @Test
    void aChangeBasedOnAStaleCopyIsCheckedAgainAgainstWhatTheOtherStored() throws Exception {
        BackendRegistry first = instance();
        BackendRegistry second = instance();
        first.create(backend("billing", "/billing"));

        // The second has not refreshed: its create is based on the empty registry, loses the
        // compare-and-set, reloads, and finds the ID taken.
        RegistryConflictException taken = assertThrows(RegistryConflictException.class,
                () -> second.create(backend("billing", "/other", "k-other")));
        assertEquals("backend 'billing' exists already", taken.getMessage());
        assertEquals(List.of("/billing"), routesOf(second, "billing"));

        // A change that still fits is stored on top of the other's, not over it.
        first.create(backend("reports", "/reports"));
        second.create(backend("wiki", "/wiki"));
        assertEquals(List.of("billing", "reports", "wiki"), ids(instance()));
    }

    @Test
    void twoInstancesCreatingTheSameIdAtOnceExactlyOneWins() throws Exception {
        for (int round = 0; round < 20; round++) {
            BackendRegistry first = instance();
            BackendRegistry second = instance();
            String id = "app-" + round;
            CyclicBarrier together = new CyclicBarrier(2);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                Future<Optional<RegistryConflictException>> one = threads.submit(
                        creating(first, backend(id, "/one", "k-one-" + round), together));
                Future<Optional<RegistryConflictException>> two = threads.submit(
                        creating(second, backend(id, "/two", "k-two-" + round), together));
                Optional<RegistryConflictException> oneFailed = one.get(10, TimeUnit.SECONDS);
                Optional<RegistryConflictException> twoFailed = two.get(10, TimeUnit.SECONDS);

                assertTrue(oneFailed.isPresent() != twoFailed.isPresent(),
                        "round " + round + ": one " + oneFailed + ", two " + twoFailed);
                RegistryConflictException loser = oneFailed.orElseGet(twoFailed::orElseThrow);
                assertEquals("backend '" + id + "' exists already", loser.getMessage());
                String winner = oneFailed.isPresent() ? "/two" : "/one";
                assertEquals(List.of(winner), routesOf(instance(), id));
                assertEquals(List.of(winner), routesOf(first, id), "the loser serves the winner's backend");
                assertEquals(List.of(winner), routesOf(second, id));
            } finally {
                threads.shutdownNow();
            }
        }
    }

    @Test
    void theFirstInstanceSeedsRedisFromItsFileAndTheNextDoesNot() throws Exception {
        Path firstData = dir.resolve("first");
        Path secondData = dir.resolve("second");
        BackendRegistry.open(firstData, MAX_BACKENDS).create(backend("billing", "/billing"));
        BackendRegistry.open(secondData, MAX_BACKENDS).create(backend("wiki", "/wiki"));

        SharedRegistry first = shared(firstData);
        SharedRegistry second = shared(secondData);

        assertEquals(List.of("billing"), ids(first.registry()));
        assertEquals(List.of("billing"), ids(second.registry()), "the second file was not seeded over it");
        assertEquals(List.of("billing"), stored().backends().stream().map(Backend::id).toList());
        assertEquals("Redis key inverting-proxy:registry", first.registry().location());
    }

    @Test
    void aStoreThatHoldsARegistryNeverReadsTheSeed() throws Exception {
        instance().create(backend("billing", "/billing"));
        AtomicInteger seedReads = new AtomicInteger();

        BackendRegistry joining = BackendRegistry.open(new RedisRegistryStore(client()), MAX_BACKENDS, () -> {
            seedReads.incrementAndGet();
            return List.of(backend("wiki", "/wiki"));
        });

        assertEquals(0, seedReads.get());
        assertEquals(List.of("billing"), ids(joining));
    }

    @Test
    void instancesStartingTogetherSeedOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        CyclicBarrier together = new CyclicBarrier(2);
        try {
            Future<BackendRegistry> one = threads.submit(() -> {
                together.await();
                return BackendRegistry.open(new RedisRegistryStore(client()), MAX_BACKENDS,
                        () -> List.of(backend("one", "/one")));
            });
            Future<BackendRegistry> two = threads.submit(() -> {
                together.await();
                return BackendRegistry.open(new RedisRegistryStore(client()), MAX_BACKENDS,
                        () -> List.of(backend("two", "/two")));
            });
            List<String> first = ids(one.get(10, TimeUnit.SECONDS));
            List<String> second = ids(two.get(10, TimeUnit.SECONDS));

            assertEquals(1, first.size(), first.toString());
            assertEquals(first, second);
            assertEquals(first, stored().backends().stream().map(Backend::id).toList());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void whileRedisIsDownReadsServeTheLastCopyAndWritesAreRefusedClearly() throws Exception {
        BackendRegistry registry = instance();
        registry.create(backend("billing", "/billing"));
        BackendAdmin admin = new BackendAdmin(registry, Clock.fixed(CREATED, ZoneOffset.UTC), id -> 0, id -> null);

        try (LogLines log = new LogLines(OutageLog.class)) {
            server.kill();

            assertEquals(List.of("/billing"), routesOf(registry, "billing"));
            assertEquals("billing", registry.byAgentKeyId("k-billing").orElseThrow().id());
            assertEquals("billing", registry.routes().match("any.example.com", "/billing/x").orElseThrow()
                    .backend().id());
            RegistryUnavailableException refused = assertThrows(RegistryUnavailableException.class,
                    () -> registry.create(backend("wiki", "/wiki")));
            assertTrue(refused.getMessage().startsWith("the shared registry (Redis) is unreachable: "),
                    refused.getMessage());
            assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
            assertThrows(RegistryUnavailableException.class, () -> registry.delete("billing"));
            assertThrows(RegistryUnavailableException.class, registry::refresh);
            assertThrows(RegistryUnavailableException.class, registry::refresh);

            FailureException answered = assertThrows(FailureException.class,
                    () -> admin.create("{\"id\": \"wiki\", \"routes\": [{\"pathPrefix\": \"/wiki\"}]}"));
            assertEquals(503, answered.status());
            assertTrue(answered.getMessage().startsWith("the shared registry (Redis) is unreachable: "),
                    answered.getMessage());
            FailureException deleting = assertThrows(FailureException.class, () -> admin.delete("billing"));
            assertEquals(503, deleting.status());

            assertEquals(List.of("billing"), ids(registry), "nothing changed");
            assertEquals(1, log.at(Level.WARNING, "the shared registry (Redis) is unreachable: ").size(),
                    "logged once per outage: " + log.at(Level.WARNING, ""));
            assertEquals(0, log.at(Level.INFO, "answers again").size());

            server.startAgain();
            awaitRefreshed(registry);
            assertEquals(1, log.at(Level.INFO, "answers again").size());
            assertEquals(1, log.at(Level.WARNING, "the shared registry (Redis) is unreachable: ").size());
        }
    }

    @Test
    void anInstanceRestoresTheRegistryWhenRedisRestartedEmpty() throws Exception {
        BackendRegistry first = instance();
        BackendRegistry second = instance();
        List<String> removedOnSecond = new CopyOnWriteArrayList<>();
        second.onRemoval(removedOnSecond::add);
        first.create(backend("billing", "/billing"));
        first.create(backend("reports", "/reports"));
        second.refresh();
        assertEquals(List.of("billing", "reports"), ids(second));

        server.startAgain();
        assertTrue(client().get(RedisRegistryStore.KEY) == null, "the restarted Redis is empty");
        awaitRefreshed(first);

        StoredBackends restored = stored();
        assertEquals(List.of("billing", "reports"), restored.backends().stream().map(Backend::id).toList());
        awaitRefreshed(second);
        assertEquals(List.of("billing", "reports"), ids(second));
        assertEquals(List.of(), removedOnSecond, "no instance took the empty Redis for deletions");

        // Changes go on as before, from either instance.
        second.delete("reports");
        first.refresh();
        assertEquals(List.of("billing"), ids(first));
        first.create(backend("wiki", "/wiki"));
        second.refresh();
        assertEquals(List.of("billing", "wiki"), ids(second));
    }

    @Test
    void aCorruptDocumentInRedisIsRefusedByTheFileRulesAndTheLastCopyStays() throws Exception {
        BackendRegistry first = instance();
        first.create(backend("billing", "/billing"));
        client().set(RedisRegistryStore.KEY, "{\"version\": 1, \"backends\": [{\"id\": \"x\"");
        client().incr(RedisRegistryStore.VERSION_KEY);

        RegistryFileException refused = assertThrows(RegistryFileException.class, first::refresh);
        assertEquals("registry in Redis key inverting-proxy:registry is corrupt: JSON ends early at line 1"
                + " column 39 path $.backends[0].id (cut short?)", refused.getMessage());
        assertEquals(List.of("billing"), ids(first));
    }

    @Test
    void versionsOfAStoreStartAtRandomSoARestartedRedisNeverRepeatsOne() throws Exception {
        RedisRegistryStore store = new RedisRegistryStore(client());
        assertEquals(RedisRegistryStore.NO_VERSION, store.version());
        assertTrue(store.seed(List.of()));
        long first = store.version();
        assertFalse(store.seed(List.of(backend("billing", "/billing"))), "seeded only while absent");
        assertTrue(store.save(List.of(backend("billing", "/billing")), first - 1).isEmpty(), "a stale base");
        assertEquals(first + 1, store.save(List.of(backend("billing", "/billing")), first).orElseThrow());

        server.startAgain();
        RedisRegistryStore again = new RedisRegistryStore(client());
        assertTrue(again.seed(List.of()));
        assertNotEquals(first, again.version());
        assertNotEquals(first + 1, again.version());
        assertEquals(new String(client().get(RedisRegistryStore.KEY.getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8), "{\n  \"version\": 1,\n  \"backends\": []\n}");
    }

    private BackendRegistry instance() throws IOException {
        return BackendRegistry.open(new RedisRegistryStore(client()), MAX_BACKENDS, List::of);
    }

    private SharedRegistry shared(Path dataDir) throws IOException {
        SharedRegistry shared = SharedRegistry.open(URI.create(server.url()), dataDir, MAX_BACKENDS);
        closing.add(shared);
        return shared;
    }

    private UnifiedJedis client() {
        UnifiedJedis client = RedisClient.create("127.0.0.1", server.port());
        closing.add(client);
        return client;
    }

    private StoredBackends stored() throws IOException {
        return new RedisRegistryStore(client()).load().orElseThrow();
    }

    private void refreshed(BackendRegistry registry) {
        closing.add(RegistryRefresher.start(registry, RegistryRefresher.INTERVAL));
    }

    // The first calls after a restart may meet pooled connections the old server broke.
    private static void awaitRefreshed(BackendRegistry registry) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                registry.refresh();
                return;
            } catch (RegistryUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static Callable<Optional<RegistryConflictException>> creating(BackendRegistry registry, Backend backend,
                                                                         CyclicBarrier together) {
        return () -> {
            together.await();
            try {
                registry.create(backend);
                return Optional.empty();
            } catch (RegistryConflictException e) {
                return Optional.of(e);
            }
        };
    }

    private static Duration awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 10 s");
            Thread.sleep(5);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static Backend backend(String id, String prefix) {
        return backend(id, prefix, "k-" + id);
    }

    private static Backend backend(String id, String prefix, String keyId) {
        return new Backend(id, List.of(new Route(null, prefix, false)),
                List.of(new AgentKey(keyId, SecretHash.of("secret-" + keyId), CREATED)), null, null, null,
                CREATED, CREATED);
    }

    private static List<String> ids(BackendRegistry registry) {
        return registry.all().stream().map(Backend::id).toList();
    }

    private static List<String> routesOf(BackendRegistry registry, String id) {
        return registry.get(id).orElseThrow().routes().stream().map(Route::pathPrefix).toList();
    }
}
