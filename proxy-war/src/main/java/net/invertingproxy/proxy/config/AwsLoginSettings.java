package net.invertingproxy.proxy.config;

import java.net.URI;
import java.time.Duration;

/**
 * The settings of AWS logins ({@code POST agent/login}). Plain values only: reading them loads no
 * AWS class. Empty texts mean unset; {@code region} empty means the SDK's default region chain.
 */
public record AwsLoginSettings(String serverId, String region, URI stsEndpoint, URI iamEndpoint, String iamAccount,
                               Duration sessionLifetime, Duration roleTagsCacheTtl, String sessionKey,
                               int maxConcurrentLogins) {
    /** Whether AWS logins can be checked at all: they need a server ID to compare against. */
    public boolean configured() {
        return !serverId.isEmpty();
    }
}
