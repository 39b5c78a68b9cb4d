package net.invertingproxy.containers;

import java.util.HashMap;
import java.util.Map;

import net.invertingproxy.tunnel.AdminClient;

/**
 * Starts a container under test the way every container suite runs it: the suite settings, a
 * fresh data directory of the suite's own, and the one backend ({@code default}: every path, Go-like
 * agents allowed) created through the admin API.
 */
final class ContainerStart {
    /** The proxy settings of every container suite: short timeouts so the failure paths are quick. */
    static final Map<String, String> SETTINGS = Map.of(
            "request-timeout-seconds", "3",
            "agent-offline-after-seconds", "2",
            "admin-token", "conformance-admin-token-0123456789");
    private static final String DEFAULT_BACKEND = "{\"id\": \"default\", \"routes\": [{\"pathPrefix\": \"/\"}],"
            + " \"legacyAgents\": {\"allowed\": true}}";

    /** A started container and the agent credential of its backend. */
    record Started(ProxyUnderTest proxy, String agentCredential) {
    }

    private ContainerStart() {
    }

    /** Starts the container with the suite settings and registers the backend; {@code suite} names the data directory. */
    static Started start(ProxyUnderTest.Starter starter, String suite) throws Exception {
        Map<String, String> settings = new HashMap<>(SETTINGS);
        settings.put("data-dir", ContainerProcess.freshDirectory(ContainerProcess.TARGET.resolve("containers-data")
                .resolve(suite)).toAbsolutePath().toString());
        ProxyUnderTest proxy = starter.start(settings);
        try {
            String credential = AdminClient.agentCredential(
                    new AdminClient(proxy.baseUri(), SETTINGS.get("admin-token")).create(DEFAULT_BACKEND));
            return new Started(proxy, credential);
        } catch (Exception | AssertionError e) {
            proxy.close();
            throw e;
        }
    }
}
