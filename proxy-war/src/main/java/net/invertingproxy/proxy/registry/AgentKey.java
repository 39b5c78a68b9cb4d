package net.invertingproxy.proxy.registry;

import java.time.Instant;
import java.util.Objects;

import net.invertingproxy.proxy.credential.SecretHash;

/** One agent credential of a backend, as stored: its public key ID, its secret's hash and when it was made. */
public record AgentKey(String keyId, SecretHash hash, Instant created) {
    /** Checks every part is present. */
    public AgentKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(hash, "hash");
        Objects.requireNonNull(created, "created");
    }
}
