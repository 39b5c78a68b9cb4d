package net.invertingproxy.proxy.cluster;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * The connection to the Redis the instances share. Every call goes through {@link #call}, which
 * turns any Redis failure into {@link Failure#CLUSTER_UNAVAILABLE} and logs an outage once when
 * it starts and once when it ends, however many calls fail in between.
 */
public final class ClusterStore implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterStore.class.getName());
    // A request thread waits at most this long for Redis before its client gets 503: an
    // unreachable store must fail calls fast, not pile up container threads.
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    // Beyond this many calls at once callers wait (up to TIMEOUT); one connection is the
    // subscription's for good. Redis takes thousands of clients, so this bound is generous.
    private static final int MAX_CONNECTIONS = 256;
    // While Redis is known to be unreachable, calls fail at once for this long after the last
    // attempt: a sweep or a burst of requests must not each wait a connect timeout. The heartbeat
    // (every 500 ms) keeps trying, so recovery is seen within a beat.
    private static final long FAIL_FAST_NANOS = Duration.ofMillis(250).toNanos();

    private final UnifiedJedis redis;
    private final URI url;
    private final String address;
    private final AtomicBoolean reachable = new AtomicBoolean(true);
    private volatile long lastAttempt = System.nanoTime();
    private volatile String lastReason = "";

    ClusterStore(UnifiedJedis redis, URI url) {
        this.redis = redis;
        this.url = url;
        this.address = url.getHost() + ":" + (url.getPort() < 0 ? 6379 : url.getPort());
    }

    /** Connects (lazily: nothing is sent until the first call) to the Redis at {@code url}. */
    public static ClusterStore connect(URI url) {
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(MAX_CONNECTIONS);
        pool.setMaxIdle(MAX_CONNECTIONS);
        pool.setMaxWait(TIMEOUT);
        // Idle connections are checked every second: after a Redis restart, the broken ones go
        // before most callers would draw them.
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(1));
        RedisClient redis = RedisClient.builder()
                .fromURI(url)
                .clientConfig(clientConfig(url))
                .poolConfig(pool)
                .build();
        return new ClusterStore(redis, url);
    }

    static DefaultJedisClientConfig clientConfig(URI url) {
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis((int) TIMEOUT.toMillis())
                .socketTimeoutMillis((int) TIMEOUT.toMillis())
                .ssl("rediss".equals(url.getScheme()))
                .clientName("inverting-proxy")
                // RESP2: in RESP3 a PING on a subscribed connection is answered outside the
                // subscription's framing, which Jedis's subscriber takes for a broken connection.
                .protocol(RedisProtocol.RESP2);
        String userInfo = url.getRawUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            String decoded = java.net.URLDecoder.decode(userInfo, java.nio.charset.StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                config.password(decoded);
            } else {
                if (colon > 0) {
                    config.user(decoded.substring(0, colon));
                }
                config.password(decoded.substring(colon + 1));
            }
        }
        String path = url.getPath();
        if (path != null && path.length() > 1) {
            config.database(Integer.parseInt(path.substring(1)));
        }
        return config.build();
    }

    /** Host and port, for log lines: never the password. */
    public String address() {
        return address;
    }

    /** Whether the last call reached Redis. */
    public boolean isReachable() {
        return reachable.get();
    }

    /** Runs one operation on Redis; a failure marks the store unreachable until a call succeeds. */
    public <T> T call(Function<UnifiedJedis, T> operation) throws FailureException {
        if (!reachable.get() && System.nanoTime() - lastAttempt < FAIL_FAST_NANOS) {
            throw new FailureException(Failure.CLUSTER_UNAVAILABLE, lastReason);
        }
        lastAttempt = System.nanoTime();
        try {
            T result = operation.apply(redis);
            reached();
            return result;
        } catch (JedisException e) {
            throw failed(e);
        }
    }

    /** Records a failure seen outside {@link #call} (the subscription) and returns the 503 it means. */
    FailureException failed(RuntimeException e) {
        String reason = "the cluster's shared state (Redis at " + address + ") is unreachable: " + firstLine(e);
        lastReason = reason;
        if (reachable.compareAndSet(true, false)) {
            LOG.log(Level.ERROR, reason + "; requests that need another instance get 503 until it is back,"
                    + " requests of agents polling this instance are still served");
        }
        return new FailureException(Failure.CLUSTER_UNAVAILABLE, reason);
    }

    /** The 503 of the current outage, for a caller that knows the store is unreachable without asking it. */
    FailureException unavailable() {
        return new FailureException(Failure.CLUSTER_UNAVAILABLE, lastReason);
    }

    void reached() {
        if (reachable.compareAndSet(false, true)) {
            LOG.log(Level.INFO, "the cluster's shared state (Redis at " + address + ") is reachable again");
        }
    }

    UnifiedJedis redis() {
        return redis;
    }

    /** A connection of its own, outside the pool, for a subscription this instance can close when it goes quiet. */
    Connection openDedicated() {
        return new Connection(new redis.clients.jedis.HostAndPort(url.getHost(), url.getPort() < 0 ? 6379 : url.getPort()),
                clientConfig(url));
    }

    private static String firstLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message = message + " (" + cause.getMessage() + ")";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    @Override
    public void close() {
        redis.close();
    }
}
