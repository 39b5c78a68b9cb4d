package net.invertingproxy.proxy.config;

import java.net.URI;
import java.time.Duration;

/**
 * How this instance joins others behind one load balancer (docs/scale-out.md); without a Redis
 * URL it runs alone and keeps all state in memory.
 *
 * @param redisUrl the Redis the instances share, or null for a single instance
 * @param secret what instance-to-instance calls carry to prove they come from the cluster
 * @param internalUrl where the other instances reach this one, context path included
 * @param instanceExpiry how long a silent instance stays a member
 */
public record ClusterSettings(URI redisUrl, String secret, URI internalUrl, Duration instanceExpiry) {
    /** A single instance: no Redis, no peers. */
    public static ClusterSettings single(Duration instanceExpiry) {
        return new ClusterSettings(null, "", null, instanceExpiry);
    }

    /** Whether this instance shares its state with others through Redis. */
    public boolean enabled() {
        return redisUrl != null;
    }

    /** The internal URL as a base for paths: always ending in a slash. */
    public String internalBase() {
        String base = internalUrl.toString();
        return base.endsWith("/") ? base : base + "/";
    }

    @Override
    public String toString() {
        // The secret and a password in the Redis URL stay out of logs.
        return "ClusterSettings[enabled=" + enabled() + ", internalUrl=" + internalUrl + "]";
    }
}
