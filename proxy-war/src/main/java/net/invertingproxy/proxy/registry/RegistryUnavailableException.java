package net.invertingproxy.proxy.registry;

import java.io.IOException;

/**
 * The store that several instances share the registry in cannot be reached or refused the call, so
 * the change was not made; the message is one line such as
 * {@code the shared registry (Redis) is unreachable: Failed to connect to 127.0.0.1:6379}.
 */
public final class RegistryUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The failure described by {@code message}, caused by {@code cause}. */
    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
