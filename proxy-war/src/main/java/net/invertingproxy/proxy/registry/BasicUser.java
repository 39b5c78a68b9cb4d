package net.invertingproxy.proxy.registry;

import java.util.Objects;

import net.invertingproxy.proxy.credential.SecretHash;

/** An end user of HTTP Basic as stored: the user name and the hash of the password the proxy generated. */
public record BasicUser(String user, SecretHash passwordHash) {
    /** Checks every part is present and the user is a plain name. */
    public BasicUser {
        EndUserAccess.checkUserName(user, "access.basicUsers");
        Objects.requireNonNull(passwordHash, "passwordHash");
    }
}
