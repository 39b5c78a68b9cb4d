package net.invertingproxy.proxy.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The proof an instance-to-instance call carries: the cluster secret in a header of its own,
 * compared in constant time. Only a call that carries it may state the address of the caller it
 * relays, so nobody outside the cluster can pose as another client address or as a relayed call.
 */
public final class ClusterCredential {
    /** Carries the cluster secret. */
    public static final String SECRET_HEADER = "X-Inverting-Proxy-Cluster-Secret";
    /** The address of the caller the relaying instance saw (for the home instance's address checks). */
    public static final String CALLER_HEADER = "X-Inverting-Proxy-Cluster-Caller";

    private final byte[] secret;

    /** The credential of a cluster sharing {@code secret}. */
    public ClusterCredential(String secret) {
        if (secret == null || secret.length() < 32) {
            throw new IllegalArgumentException("a cluster secret has at least 32 characters");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** The header value that proves a call comes from this cluster. */
    String headerValue() {
        return new String(secret, StandardCharsets.UTF_8);
    }

    /** Whether the presented value is this cluster's secret. */
    public boolean accepts(String presented) {
        return presented != null && MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
    }
}
