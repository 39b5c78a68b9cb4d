package net.invertingproxy.proxy.registry;

import java.util.Locale;

/**
 * Which client requests go to a backend: those for {@code host} (any host if null), whose path
 * starts with {@code pathPrefix} at a segment boundary. With {@code stripPrefix} the backend sees
 * the path without the prefix ({@code /billing/x} becomes {@code /x}).
 */
public record Route(String host, String pathPrefix, boolean stripPrefix) {
    /** Normalizes the host to lower case without a port and the prefix to {@code /...}; rejects bad ones. */
    public Route {
        if (host != null) {
            host = host.trim().toLowerCase(Locale.ROOT);
            if (host.isEmpty()) {
                host = null;
            } else if (!host.matches("[a-z0-9.-]+|\\*\\.[a-z0-9.-]+")) {
                throw new InvalidBackendException("route host must be a host name without port or scheme"
                        + " (optionally *.domain), got \"" + host + "\"");
            }
        }
        if (pathPrefix == null || pathPrefix.isEmpty()) {
            pathPrefix = "/";
        }
        if (!pathPrefix.startsWith("/") || pathPrefix.contains("?") || pathPrefix.contains("#")) {
            throw new InvalidBackendException("route pathPrefix must start with / and hold no query, got \""
                    + pathPrefix + "\"");
        }
        if (stripPrefix && pathPrefix.equals("/")) {
            throw new InvalidBackendException("route stripPrefix needs a pathPrefix other than /");
        }
    }

    /** Whether the route names a host (else it matches any). */
    public boolean hasHost() {
        return host != null;
    }
}
