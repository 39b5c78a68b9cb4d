package net.invertingproxy.proxy.cluster;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.JedisURIHelper;

import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.BackendRegistry;
import net.invertingproxy.proxy.registry.RegistryFile;

/**
 * The backend registry of an instance in a cluster, with what keeps it current: kept in Redis
 * ({@link RedisRegistryStore}), seeded from this instance's {@code backends.json} if Redis holds none
 * yet, and refreshed every {@link RegistryRefresher#INTERVAL}. After seeding, the file is neither
 * read nor written in cluster mode. Closing stops the refresher and the Redis client.
 */
public final class SharedRegistry implements AutoCloseable {
    /** How long a connection to Redis and each call on it may take before it counts as unreachable. */
    public static final Duration REDIS_TIMEOUT = Duration.ofSeconds(2);
    private static final System.Logger LOG = System.getLogger(SharedRegistry.class.getName());

    private final UnifiedJedis redis;
    private final BackendRegistry registry;
    private final RegistryRefresher refresher;

    private SharedRegistry(UnifiedJedis redis, BackendRegistry registry, RegistryRefresher refresher) {
        this.redis = redis;
        this.registry = registry;
        this.refresher = refresher;
    }

    /**
     * Opens the registry kept in the Redis at {@code redisUrl}, seeding it from {@code dataDir}'s
     * registry file if Redis holds none, and starts refreshing it; fails if Redis cannot be reached.
     */
    public static SharedRegistry open(URI redisUrl, Path dataDir, int maxBackends) throws IOException {
        UnifiedJedis redis = client(redisUrl);
        try {
            BackendRegistry registry = BackendRegistry.open(new RedisRegistryStore(redis), maxBackends,
                    () -> localFile(dataDir.resolve(BackendRegistry.FILE_NAME)));
            return new SharedRegistry(redis, registry, RegistryRefresher.start(registry, RegistryRefresher.INTERVAL));
        } catch (IOException | RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    /** A client of the Redis at {@code url} ({@code redis://} or {@code rediss://}, user and password in it). */
    static UnifiedJedis client(URI url) {
        int timeout = (int) REDIS_TIMEOUT.toMillis();
        // Short timeouts: a call that hangs holds an admin request, or delays every later refresh.
        return RedisClient.builder()
                .hostAndPort(JedisURIHelper.getHostAndPort(url))
                .clientConfig(DefaultJedisClientConfig.builder(url)
                        .connectionTimeoutMillis(timeout)
                        .socketTimeoutMillis(timeout)
                        .build())
                .build();
    }

    // Read only when Redis holds no registry: an instance joining a running cluster never needs it.
    private static List<Backend> localFile(Path file) throws IOException {
        List<Backend> backends = RegistryFile.load(file);
        LOG.log(Level.INFO, "Redis holds no backend registry yet: seeding it from {0} ({1} backends);"
                + " in cluster mode that file is no longer read or written", file, backends.size());
        return backends;
    }

    /** The registry. */
    public BackendRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        refresher.close();
        redis.close();
    }
}
