package net.invertingproxy.proxy.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import net.invertingproxy.proxy.access.AddressRange;

/**
 * The proxy's resolved settings. Each is looked up, first match wins, as a servlet context
 * parameter, a system property, an environment variable, then its default.
 */
public record ProxySettings(
        Duration pollHold,
        Duration requestTimeout,
        Duration agentOfflineAfter,
        Duration claimTimeout,
        int maxQueuedRequests,
        int maxExchanges,
        int maxStreamingExchanges,
        int maxWaitingPolls,
        int maxHeaderBytes,
        int maxHeaderCount,
        Duration drainTimeout,
        MetricsAccess metricsAccess,
        String metricsToken,
        Duration sweepInterval,
        Path dataDir,
        String adminToken,
        List<AddressRange> trustedProxies,
        String albPublicKeysUrl,
        int maxBackends) {

    /** Who may read {@code /metrics}. */
    public enum MetricsAccess {
        /** Only callers on the proxy's own machine. */
        LOOPBACK,
        /** Anyone who can reach the proxy. */
        OPEN,
        /** Nobody: the endpoint answers 404. */
        OFF
    }

    /** The settings with every default. */
    public static ProxySettings defaults() {
        return resolve(name -> null, Map.of(), Map.of());
    }

    /** The same settings with another data directory, e.g. a test's own. */
    public ProxySettings withDataDir(Path dataDir) {
        return new ProxySettings(pollHold, requestTimeout, agentOfflineAfter, claimTimeout, maxQueuedRequests,
                maxExchanges, maxStreamingExchanges, maxWaitingPolls, maxHeaderBytes, maxHeaderCount, drainTimeout,
                metricsAccess, metricsToken, sweepInterval, dataDir, adminToken, trustedProxies, albPublicKeysUrl,
                maxBackends);
    }

    /** Resolves every setting from the three sources; a value that is not a positive number is refused. */
    public static ProxySettings resolve(Function<String, String> contextParameters,
                                        Map<?, ?> systemProperties, Map<String, String> environment) {
        Map<ProxySetting, Long> values = new EnumMap<>(ProxySetting.class);
        Map<ProxySetting, String> texts = new EnumMap<>(ProxySetting.class);
        for (ProxySetting setting : ProxySetting.values()) {
            String value = lookup(setting, contextParameters, systemProperties, environment);
            if (setting.isNumeric()) {
                values.put(setting, parse(setting, value));
            } else {
                texts.put(setting, value);
            }
        }
        return new ProxySettings(
                Duration.ofSeconds(values.get(ProxySetting.POLL_HOLD_SECONDS)),
                Duration.ofSeconds(values.get(ProxySetting.REQUEST_TIMEOUT_SECONDS)),
                Duration.ofSeconds(values.get(ProxySetting.AGENT_OFFLINE_AFTER_SECONDS)),
                Duration.ofSeconds(values.get(ProxySetting.CLAIM_TIMEOUT_SECONDS)),
                Math.toIntExact(values.get(ProxySetting.MAX_QUEUED_REQUESTS)),
                Math.toIntExact(values.get(ProxySetting.MAX_EXCHANGES)),
                Math.toIntExact(values.get(ProxySetting.MAX_STREAMING_EXCHANGES)),
                Math.toIntExact(values.get(ProxySetting.MAX_WAITING_POLLS)),
                Math.toIntExact(values.get(ProxySetting.MAX_HEADER_BYTES)),
                Math.toIntExact(values.get(ProxySetting.MAX_HEADER_COUNT)),
                Duration.ofSeconds(values.get(ProxySetting.DRAIN_TIMEOUT_SECONDS)),
                metricsAccess(texts.get(ProxySetting.METRICS_ACCESS)),
                texts.get(ProxySetting.METRICS_TOKEN),
                Duration.ofMillis(values.get(ProxySetting.SWEEP_INTERVAL_MILLIS)),
                dataDir(texts.get(ProxySetting.DATA_DIR), systemProperties),
                texts.get(ProxySetting.ADMIN_TOKEN),
                trustedProxies(texts.get(ProxySetting.TRUSTED_PROXIES)),
                albPublicKeysUrl(texts.get(ProxySetting.ALB_PUBLIC_KEYS_URL)),
                Math.toIntExact(values.get(ProxySetting.MAX_BACKENDS)));
    }

    // Under Tomcat the registry belongs with the instance (CATALINA_BASE), not the working directory.
    private static Path dataDir(String value, Map<?, ?> systemProperties) {
        if (!value.isEmpty()) {
            return Path.of(value);
        }
        Object catalinaBase = systemProperties.get("catalina.base");
        if (catalinaBase != null) {
            return Path.of(catalinaBase.toString(), "data", "inverting-proxy");
        }
        return Path.of("inverting-proxy-data");
    }

    private static List<AddressRange> trustedProxies(String value) {
        List<AddressRange> ranges = new ArrayList<>();
        for (String range : value.split(",")) {
            if (range.isBlank()) {
                continue;
            }
            try {
                ranges.add(AddressRange.parse(range));
            } catch (IllegalArgumentException e) {
                throw new InvalidSettingException("setting 'trusted-proxies': " + e.getMessage());
            }
        }
        return List.copyOf(ranges);
    }

    private static String albPublicKeysUrl(String value) {
        if (!value.contains("{kid}") || !(value.startsWith("https://") || value.startsWith("http://"))) {
            throw new InvalidSettingException("setting 'alb-public-keys-url' must be an http(s) URL containing {kid}, got '"
                    + value + "'");
        }
        return value;
    }

    private static MetricsAccess metricsAccess(String value) {
        try {
            return MetricsAccess.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("setting 'metrics-access' must be loopback, open or off, got '" + value + "'");
        }
    }

    private static String lookup(ProxySetting setting, Function<String, String> contextParameters,
                                 Map<?, ?> systemProperties, Map<String, String> environment) {
        String value = contextParameters.apply(setting.key());
        if (value == null) {
            Object property = systemProperties.get(setting.systemProperty());
            value = property == null ? null : property.toString();
        }
        if (value == null) {
            value = environment.get(setting.environmentVariable());
        }
        return value == null || value.isBlank() ? setting.defaultValue() : value.trim();
    }

    private static long parse(ProxySetting setting, String value) {
        try {
            long parsed = Long.parseLong(value);
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below with the setting's name
        }
        throw new InvalidSettingException("setting '" + setting.key() + "' must be a positive whole number, got '"
                + value + "'");
    }
}
