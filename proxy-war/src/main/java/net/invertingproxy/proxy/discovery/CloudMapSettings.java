package net.invertingproxy.proxy.discovery;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import net.invertingproxy.proxy.config.InvalidSettingException;
import net.invertingproxy.proxy.config.ProxySetting;
import net.invertingproxy.proxy.config.ProxySettings;

/**
 * The {@code cloudmap-*} settings; Cloud Map is on when a service ID is set.
 *
 * @param serviceId the Cloud Map service instances are registered in; empty: off
 * @param region the AWS region, empty for the SDK's default lookup
 * @param endpoint the API endpoint to call instead of the region's, or null
 * @param proxyUrl the URL published as attribute {@code proxyUrl}, empty to publish routes instead
 * @param updateInterval the shortest time between two agent-count updates of one instance
 */
public record CloudMapSettings(String serviceId, String region, URI endpoint, String proxyUrl, Duration updateInterval) {

    /**
     * Reads the settings from the same sources as every other proxy setting; {@link ProxySettings#resolve},
     * run first at start-up, has already refused unusable values with their source.
     */
    public static CloudMapSettings resolve(Function<String, String> contextParameters, Map<?, ?> systemProperties,
                                           Map<String, String> environment) {
        Function<ProxySetting, String> value = setting ->
                ProxySettings.valueOf(setting, contextParameters, systemProperties, environment);
        return new CloudMapSettings(value.apply(ProxySetting.CLOUDMAP_SERVICE_ID),
                value.apply(ProxySetting.CLOUDMAP_REGION),
                endpoint(value.apply(ProxySetting.CLOUDMAP_ENDPOINT)),
                value.apply(ProxySetting.CLOUDMAP_PROXY_URL),
                Duration.ofSeconds(Long.parseLong(value.apply(ProxySetting.CLOUDMAP_UPDATE_INTERVAL_SECONDS))));
    }

    /** Whether the proxy registers its backends at all. */
    public boolean enabled() {
        return !serviceId.isEmpty();
    }

    private static URI endpoint(String text) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            URI uri = new URI(text);
            if (uri.getHost() != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // Reported below, with the setting's name.
        }
        throw new InvalidSettingException("setting '" + ProxySetting.CLOUDMAP_ENDPOINT.key()
                + "' must be an http(s) URL, got '" + text + "'");
    }
}
