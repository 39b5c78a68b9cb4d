package net.invertingproxy.proxy.registry;

import java.util.Objects;

import net.invertingproxy.proxy.credential.SecretHash;

/** An end user's API key as stored: the user it identifies, its public key ID and its secret's hash. */
public record ApiKey(String user, String keyId, SecretHash hash) {
    /** Checks every part is present and the user is a plain name. */
    public ApiKey {
        EndUserAccess.checkUserName(user, "access.apiKeys");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(hash, "hash");
    }
}
