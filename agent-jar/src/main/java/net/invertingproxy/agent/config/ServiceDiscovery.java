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

    /** Checks that a service name comes with its namespace, and the shapes of the namespace ID, region and endpoint. */
    public ServiceDiscovery {
        namespaceId = namespaceId == null ? "" : namespaceId;
        service = service == null ? "" : service;
        region = region == null ? "" : region;
        endpoint = endpoint == null ? "" : endpoint;
        if (!service.isEmpty() && !isServiceId(service) && namespaceId.isEmpty()) {
            throw new IllegalArgumentException("-SDService names a service (" + service
                    + "): -SDnamespaceID must say in which namespace");
        }
        if (!namespaceId.isEmpty() && !AwsNames.isCloudMapNamespaceId(namespaceId)) {
            throw new IllegalArgumentException("-SDnamespaceID " + AwsNames.CLOUD_MAP_NAMESPACE_ID_RULE
                    + ", got \"" + namespaceId + "\"");
        }
        if (!AwsNames.isEmptyOrRegion(region)) {
            throw new IllegalArgumentException("-SDRegion " + AwsNames.REGION_RULE + ", got \"" + region + "\"");
        }
        if (!endpoint.isEmpty()) {
            try {
                URI uri = new URI(endpoint);
                if (uri.getHost() == null || !"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
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
