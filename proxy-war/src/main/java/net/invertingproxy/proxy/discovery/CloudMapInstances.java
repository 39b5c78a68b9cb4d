package net.invertingproxy.proxy.discovery;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Starts Cloud Map publishing when {@code cloudmap-service-id} is set. With it unset this class
 * never touches {@link CloudMapDirectory}, so no AWS SDK class is loaded and no credential or
 * region is looked up.
 */
public final class CloudMapInstances {
    /** Attribute with the URL clients reach the proxy at ({@code cloudmap-proxy-url}). */
    public static final String PROXY_URL = "proxyUrl";
    /** Attribute with the backend's routes, when no proxy URL is configured. */
    public static final String ROUTES = "routes";
    // Cloud Map's limit on an attribute value.
    static final int MAX_ATTRIBUTE_CHARS = 1024;

    private CloudMapInstances() {
    }

    /**
     * The publisher for the settings, or null when Cloud Map is off.
     *
     * @param routesOf a backend's routes as text, e.g. {@code billing.example.com/,/billing/}
     */
    public static BackendInstances startIfEnabled(CloudMapSettings settings, ToIntFunction<String> agentCount,
                                                  Supplier<Set<String>> knownBackends, Function<String, String> routesOf) {
        if (!settings.enabled()) {
            return null;
        }
        return BackendInstances.start(CloudMapDirectory.create(settings), agentCount, knownBackends,
                backendId -> settings.proxyUrl().isEmpty()
                        ? Map.of(ROUTES, limited(routesOf.apply(backendId)))
                        : Map.of(PROXY_URL, limited(settings.proxyUrl())),
                BackendInstances.Timing.of(settings.updateInterval()));
    }

    private static String limited(String value) {
        return value.length() <= MAX_ATTRIBUTE_CHARS ? value : value.substring(0, MAX_ATTRIBUTE_CHARS);
    }
}
