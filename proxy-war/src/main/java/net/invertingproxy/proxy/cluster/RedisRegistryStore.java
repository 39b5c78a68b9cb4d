package net.invertingproxy.proxy.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.RegistryFile;
import net.invertingproxy.proxy.registry.RegistryStore;
import net.invertingproxy.proxy.registry.RegistryUnavailableException;
import net.invertingproxy.proxy.registry.StoredBackends;

/**
 * The registry shared by the instances of a cluster, kept in Redis: the document of
 * {@code backends.json} in key {@value #KEY} and its version in {@value #VERSION_KEY}. A save is a
 * compare-and-set run as one Lua script, so of two instances changing the registry at once exactly
 * one wins and the other sees the conflict. Redis failures become {@link RegistryUnavailableException}s,
 * logged once per outage.
 */
public final class RedisRegistryStore implements RegistryStore {
    /** The key of the registry document. */
    public static final String KEY = "inverting-proxy:registry";
    /** The key of the document's version, a number that every save increments. */
    public static final String VERSION_KEY = KEY + ":version";
    /** What {@link #version()} answers while Redis holds no registry; no stored list has it. */
    public static final long NO_VERSION = -1;

    private static final byte[] KEY_BYTES = KEY.getBytes(StandardCharsets.UTF_8);
    private static final byte[] VERSION_KEY_BYTES = VERSION_KEY.getBytes(StandardCharsets.UTF_8);
    private static final List<byte[]> KEYS = List.of(KEY_BYTES, VERSION_KEY_BYTES);
    private static final String SUBJECT = "registry in Redis key " + KEY;
    // Only the bytes a valid document may have are fetched: one more tells a larger one apart.
    private static final byte[] MAX_INDEX = Long.toString(RegistryFile.MAX_BYTES).getBytes(StandardCharsets.US_ASCII);

    // Document and version in one read, so they always belong together. A missing version reads as
    // false (nil); a missing document as "".
    private static final byte[] LOAD = script("""
            return {redis.call('GET', KEYS[2]), redis.call('GETRANGE', KEYS[1], 0, ARGV[1])}""");
    // Compare-and-set: written only if the version is still the one the change was based on.
    private static final byte[] SAVE = script("""
            if redis.call('GET', KEYS[2]) ~= ARGV[1] then return false end
            redis.call('SET', KEYS[1], ARGV[2])
            return redis.call('INCR', KEYS[2])""");
    // Both keys at once and only if the registry is missing, so two instances seeding at the same
    // moment cannot both succeed, nor one overwrite what the other stored.
    private static final byte[] SEED = script("""
            if redis.call('EXISTS', KEYS[1], KEYS[2]) == 2 then return 0 end
            redis.call('SET', KEYS[1], ARGV[1])
            redis.call('SET', KEYS[2], ARGV[2])
            return 1""");

    private final UnifiedJedis redis;
    private final OutageLog outages = new OutageLog("the shared registry (Redis)",
            "the proxy serves the backends it last read, and admin changes are refused (503) until Redis answers");

    /** A store on {@code redis}, which the caller keeps and closes. */
    public RedisRegistryStore(UnifiedJedis redis) {
        this.redis = redis;
    }

    @Override
    public Optional<StoredBackends> load() throws IOException {
        List<?> reply = (List<?>) call(() -> redis.eval(LOAD, KEYS, List.of(MAX_INDEX)));
        byte[] version = (byte[]) reply.get(0);
        byte[] document = (byte[]) reply.get(1);
        if (version == null || document == null || document.length == 0) {
            return Optional.empty();
        }
        return Optional.of(new StoredBackends(RegistryFile.read(document, SUBJECT), number(version)));
    }

    @Override
    public long version() throws IOException {
        byte[] version = call(() -> redis.get(VERSION_KEY_BYTES));
        return version == null ? NO_VERSION : number(version);
    }

    @Override
    public OptionalLong save(List<Backend> backends, long basedOn) throws IOException {
        byte[] document = RegistryFile.write(backends);
        Object version = call(() -> redis.eval(SAVE, KEYS, List.of(bytes(basedOn), document)));
        return version == null ? OptionalLong.empty() : OptionalLong.of((Long) version);
    }

    @Override
    public boolean seed(List<Backend> backends) throws IOException {
        byte[] document = RegistryFile.write(backends);
        Object seeded = call(() -> redis.eval(SEED, KEYS, List.of(document, bytes(firstVersion()))));
        return Long.valueOf(1).equals(seeded);
    }

    @Override
    public String location() {
        return "Redis key " + KEY;
    }

    // Random rather than 1: after Redis lost the registry, a version numbered from 1 again could be
    // one another instance still holds for an older list, which it would then never reload.
    private static long firstVersion() {
        return ThreadLocalRandom.current().nextLong(1, 1L << 53);
    }

    private <T> T call(RedisCall<T> call) throws RegistryUnavailableException {
        T result;
        try {
            result = call.run();
        } catch (JedisException e) {
            String reason = reason(e);
            outages.failed(reason);
            throw new RegistryUnavailableException(reason, e);
        }
        outages.succeeded();
        return result;
    }

    /** One call to Redis. */
    @FunctionalInterface
    private interface RedisCall<T> {
        T run();
    }

    private static String reason(JedisException e) {
        String prefix = e instanceof JedisConnectionException
                ? "the shared registry (Redis) is unreachable: " : "the shared registry (Redis) failed: ";
        // Jedis wraps the socket's exception; its own message is often only "Unexpected end of stream."
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String detail = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        if (cause != e && e.getMessage() != null && !e.getMessage().contains(detail)) {
            detail = e.getMessage() + " (" + detail + ")";
        }
        return prefix + detail.lines().findFirst().orElse(detail);
    }

    private static long number(byte[] version) throws IOException {
        String text = new String(version, StandardCharsets.US_ASCII);
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException("Redis key " + VERSION_KEY + " holds \"" + text + "\", not a version number", e);
        }
    }

    private static byte[] bytes(long number) {
        return Long.toString(number).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] script(String lua) {
        return lua.getBytes(StandardCharsets.UTF_8);
    }
}
