package net.invertingproxy.agent.config;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where the agent registers its own backend in AWS Cloud Map ({@code -SDnamespaceID},
 * {@code -SDService}, {@code -SDRegion}, {@code -SDEndpoint}); off when no service is named.
 *
 * @param namespaceId the namespace a service name is looked up in
 * @param service a service ID ({@code srv-...}) or name
 * @param region the AWS region, empty for the SDK's default lookup
 * @param endpoint the API URL to call instead of the region's, empty for the region's
 */
public record ServiceDiscovery(String namespaceId, String service, String region, String endpoint) {
    /** No registration. */
    public static final ServiceDiscovery OFF = new ServiceDiscovery("", "", "", "");

    /** Checks that a service name comes with its namespace and that the endpoint is a URL. */
    public ServiceDiscovery {
        namespaceId = namespaceId == null ? "" : namespaceId;
        service = service == null ? "" : service;
        region = region == null ? "" : region;
        endpoint = endpoint == null ? "" : endpoint;
        if (!service.isEmpty() && !isServiceId(service) && namespaceId.isEmpty()) {
            throw new IllegalArgumentException("-SDService names a service (" + service
                    + "): -SDnamespaceID must say in which namespace");
        }
        if (!endpoint.isEmpty()) {
            try {
                URI uri = new URI(endpoint);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
                    throw new URISyntaxException(endpoint, "not http(s)");
                }
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("-SDEndpoint must be an http(s) URL, got \"" + endpoint + "\"");
            }
        }
    }

    /** Whether the agent registers its backend. */
    public boolean enabled() {
        return !service.isEmpty();
    }

    /** Whether {@link #service} is an ID rather than a name. */
    public boolean serviceIsId() {
        return isServiceId(service);
    }

    private static boolean isServiceId(String value) {
        return value.matches("srv-[0-9a-z]+");
    }
}
