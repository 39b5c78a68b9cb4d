package net.invertingproxy.proxy.config;

import java.net.URI;
import java.net.URISyntaxException;
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
 * parameter, a system property, an environment variable, then its default; a blank value counts
 * as unset.
 */
public record ProxySettings(
        Duration pollHold,
        Duration requestTimeout,
        Duration agentOfflineAfter,
        Duration claimTimeout,
        int maxQueuedRequests,
        int maxExchanges,
        int maxStreamingExchanges,
        int maxWaitingUpgrades,
        Duration websocketPing,
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
        int maxBackends,
        AwsLoginSettings awsLogin,
        CloudWatchSettings cloudWatch,
        InspectorSettings inspector,
        String dashboardHost,
        ClusterSettings cluster) {

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
                maxExchanges, maxStreamingExchanges, maxWaitingUpgrades, websocketPing, maxWaitingPolls, maxHeaderBytes, maxHeaderCount, drainTimeout,
                metricsAccess, metricsToken, sweepInterval, dataDir, adminToken, trustedProxies, albPublicKeysUrl,
                maxBackends, awsLogin, cloudWatch, inspector, dashboardHost, cluster);
    }

    /**
     * Resolves every setting from the three sources; a blank value counts as unset. A value the
     * proxy cannot use is refused with one line naming the setting, where the value came from and
     * the value itself.
     */
    public static ProxySettings resolve(Function<String, String> contextParameters,
                                        Map<?, ?> systemProperties, Map<String, String> environment) {
        Map<ProxySetting, Long> values = new EnumMap<>(ProxySetting.class);
        Map<ProxySetting, Found> texts = new EnumMap<>(ProxySetting.class);
        for (ProxySetting setting : ProxySetting.values()) {
            Found found = lookup(setting, contextParameters, systemProperties, environment);
            if (setting.isNumeric()) {
                values.put(setting, parse(found));
            } else {
                texts.put(setting, found);
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
                Math.toIntExact(values.get(ProxySetting.MAX_WAITING_UPGRADES)),
                Duration.ofSeconds(values.get(ProxySetting.WEBSOCKET_PING_SECONDS)),
                Math.toIntExact(values.get(ProxySetting.MAX_WAITING_POLLS)),
                Math.toIntExact(values.get(ProxySetting.MAX_HEADER_BYTES)),
                Math.toIntExact(values.get(ProxySetting.MAX_HEADER_COUNT)),
                Duration.ofSeconds(values.get(ProxySetting.DRAIN_TIMEOUT_SECONDS)),
                metricsAccess(texts.get(ProxySetting.METRICS_ACCESS)),
                texts.get(ProxySetting.METRICS_TOKEN).value(),
                Duration.ofMillis(values.get(ProxySetting.SWEEP_INTERVAL_MILLIS)),
                dataDir(texts.get(ProxySetting.DATA_DIR).value(), systemProperties),
                texts.get(ProxySetting.ADMIN_TOKEN).value(),
                trustedProxies(texts.get(ProxySetting.TRUSTED_PROXIES)),
                albPublicKeysUrl(texts.get(ProxySetting.ALB_PUBLIC_KEYS_URL)),
                Math.toIntExact(values.get(ProxySetting.MAX_BACKENDS)),
                awsLogin(texts, values),
                cloudWatch(texts, values),
                new InspectorSettings(Math.toIntExact(values.get(ProxySetting.INSPECTOR_EXCHANGES)),
                        values.get(ProxySetting.INSPECTOR_MAX_BYTES),
                        List.of(texts.get(ProxySetting.INSPECTOR_REDACT_HEADERS).value().split(","))),
                texts.get(ProxySetting.DASHBOARD_HOST).value().toLowerCase(java.util.Locale.ROOT),
                cluster(texts, values));
    }

    private static ClusterSettings cluster(Map<ProxySetting, Found> texts, Map<ProxySetting, Long> values) {
        Found redisUrl = texts.get(ProxySetting.CLUSTER_REDIS_URL);
        Found secret = texts.get(ProxySetting.CLUSTER_SECRET);
        Found internalUrl = texts.get(ProxySetting.CLUSTER_INTERNAL_URL);
        Duration expiry = Duration.ofSeconds(values.get(ProxySetting.CLUSTER_INSTANCE_EXPIRY_SECONDS));
        if (redisUrl.value().isEmpty()) {
            // A secret or address without Redis would be silently ignored: the operator meant a cluster.
            for (Found orphan : List.of(secret, internalUrl)) {
                if (!orphan.value().isEmpty()) {
                    throw new InvalidSettingException("setting '" + orphan.setting().key() + "' (" + orphan.source()
                            + ") is set but '" + ProxySetting.CLUSTER_REDIS_URL.key() + "' is empty");
                }
            }
            return ClusterSettings.single(expiry);
        }
        URI redis;
        try {
            redis = new URI(redisUrl.value());
        } catch (URISyntaxException e) {
            throw redisUrl.invalid("must be a redis:// or rediss:// URL");
        }
        if (!("redis".equals(redis.getScheme()) || "rediss".equals(redis.getScheme())) || redis.getHost() == null) {
            throw redisUrl.invalid("must be a redis:// or rediss:// URL with a host");
        }
        if (secret.value().length() < 32) {
            throw new InvalidSettingException("setting '" + ProxySetting.CLUSTER_SECRET.key() + "' (" + secret.source()
                    + ") must be at least 32 characters when '" + ProxySetting.CLUSTER_REDIS_URL.key() + "' is set");
        }
        URI internal = optionalUrl(internalUrl);
        if (internal == null || internal.getHost() == null) {
            throw new InvalidSettingException("setting '" + ProxySetting.CLUSTER_INTERNAL_URL.key() + "' ("
                    + internalUrl.source() + ") must be this instance's http(s) URL when '"
                    + ProxySetting.CLUSTER_REDIS_URL.key() + "' is set");
        }
        return new ClusterSettings(redis, secret.value(), internal, expiry);
    }

    private static CloudWatchSettings cloudWatch(Map<ProxySetting, Found> texts, Map<ProxySetting, Long> values) {
        Found namespace = texts.get(ProxySetting.CLOUDWATCH_NAMESPACE);
        if (!namespace.value().isEmpty() && !AwsNames.isNamespace(namespace.value())) {
            throw namespace.invalid(AwsNames.NAMESPACE_RULE);
        }
        Found emf = texts.get(ProxySetting.CLOUDWATCH_EMF);
        boolean embeddedMetricFormat = bool(emf);
        // Else the operator waits for log lines that never come, with nothing saying why.
        if (embeddedMetricFormat && namespace.value().isEmpty()) {
            throw new InvalidSettingException("setting '" + emf.setting().key() + "' (" + emf.source()
                    + ") is true but '" + ProxySetting.CLOUDWATCH_NAMESPACE.key() + "' is empty: EMF lines need a namespace");
        }
        checkCloudMap(texts);
        return new CloudWatchSettings(namespace.value(), region(texts.get(ProxySetting.CLOUDWATCH_REGION)),
                Duration.ofSeconds(values.get(ProxySetting.CLOUDWATCH_STEP_SECONDS)),
                endpoint(texts.get(ProxySetting.CLOUDWATCH_ENDPOINT)), embeddedMetricFormat);
    }

    // Cloud Map reads its settings itself (CloudMapSettings), after these: checking them here
    // refuses a bad one at start-up in the same words, naming its source, as every other setting.
    private static void checkCloudMap(Map<ProxySetting, Found> texts) {
        Found serviceId = texts.get(ProxySetting.CLOUDMAP_SERVICE_ID);
        if (!serviceId.value().isEmpty() && !AwsNames.isServiceId(serviceId.value())) {
            throw serviceId.invalid(AwsNames.SERVICE_ID_RULE);
        }
        region(texts.get(ProxySetting.CLOUDMAP_REGION));
        endpoint(texts.get(ProxySetting.CLOUDMAP_ENDPOINT));
        endpoint(texts.get(ProxySetting.CLOUDMAP_PROXY_URL));
    }

    private static String region(Found found) {
        if (!found.value().isEmpty() && !AwsNames.isRegion(found.value())) {
            throw found.invalid(AwsNames.REGION_RULE);
        }
        return found.value();
    }

    private static AwsLoginSettings awsLogin(Map<ProxySetting, Found> texts, Map<ProxySetting, Long> values) {
        Found iamAccount = texts.get(ProxySetting.AWS_IAM_ACCOUNT);
        if (!iamAccount.value().isEmpty() && !iamAccount.value().matches("[0-9]{12}")) {
            throw iamAccount.invalid("must be a 12-digit AWS account ID");
        }
        Found sessionKey = texts.get(ProxySetting.AWS_SESSION_KEY);
        if (!sessionKey.value().isEmpty() && sessionKey.value().length() < 32) {
            throw new InvalidSettingException("setting '" + ProxySetting.AWS_SESSION_KEY.key() + "' ("
                    + sessionKey.source() + ") must be at least 32 characters");
        }
        Found region = texts.get(ProxySetting.AWS_REGION);
        if (!region.value().matches("[a-z0-9-]*")) {
            throw region.invalid("must be an AWS region such as eu-west-1");
        }
        return new AwsLoginSettings(texts.get(ProxySetting.AWS_SERVER_ID).value(), region.value(),
                optionalUrl(texts.get(ProxySetting.AWS_STS_ENDPOINT)), optionalUrl(texts.get(ProxySetting.AWS_IAM_ENDPOINT)),
                iamAccount.value(), Duration.ofSeconds(values.get(ProxySetting.AWS_SESSION_SECONDS)),
                Duration.ofSeconds(values.get(ProxySetting.AWS_ROLE_TAGS_CACHE_SECONDS)), sessionKey.value(),
                Math.toIntExact(values.get(ProxySetting.AWS_MAX_CONCURRENT_LOGINS)));
    }

    private static URI optionalUrl(Found found) {
        if (found.value().isEmpty()) {
            return null;
        }
        if (!(found.value().startsWith("https://") || found.value().startsWith("http://"))) {
            throw found.invalid("must be an http(s) URL");
        }
        try {
            return new URI(found.value());
        } catch (URISyntaxException e) {
            throw found.invalid("must be an http(s) URL");
        }
    }

    /**
     * One setting's value, looked up as every other (context parameter, system property,
     * environment, default), for a feature that reads its own settings; numbers were already
     * checked by {@link #resolve}.
     */
    public static String valueOf(ProxySetting setting, Function<String, String> contextParameters,
                                 Map<?, ?> systemProperties, Map<String, String> environment) {
        return lookup(setting, contextParameters, systemProperties, environment).value();
    }

    /** A setting's value and where it came from, for error messages. */
    private record Found(ProxySetting setting, String value, String source) {
        InvalidSettingException invalid(String requirement) {
            return new InvalidSettingException("setting '" + setting.key() + "' (" + source + ") " + requirement
                    + ", got '" + printable(value) + "'");
        }
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

    private static List<AddressRange> trustedProxies(Found found) {
        List<AddressRange> ranges = new ArrayList<>();
        for (String range : found.value().split(",")) {
            if (range.isBlank()) {
                continue;
            }
            try {
                ranges.add(AddressRange.parse(range));
            } catch (IllegalArgumentException e) {
                throw found.invalid("must be comma-separated CIDR ranges (" + printable(e.getMessage()) + ")");
            }
        }
        return List.copyOf(ranges);
    }

    private static String albPublicKeysUrl(Found found) {
        String value = found.value();
        if (!value.contains("{kid}") || !(value.startsWith("https://") || value.startsWith("http://"))) {
            throw found.invalid("must be an http(s) URL containing {kid}");
        }
        return value;
    }

    private static URI endpoint(Found found) {
        if (found.value().isEmpty()) {
            return null;
        }
        try {
            URI uri = new URI(found.value());
            if (uri.getHost() != null && ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // Refused below with the same message as any other unusable URL.
        }
        throw found.invalid("must be an http(s) URL");
    }

    private static boolean bool(Found found) {
        return switch (found.value().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw found.invalid("must be true or false");
        };
    }

    private static MetricsAccess metricsAccess(Found found) {
        try {
            return MetricsAccess.valueOf(found.value().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw found.invalid("must be loopback, open or off");
        }
    }

    // First match wins; a blank value (an empty <Parameter>, "-Dinverting-proxy.x=", "X=" in an
    // environment file) counts as unset, so it cannot hide a value set further down.
    private static Found lookup(ProxySetting setting, Function<String, String> contextParameters,
                                Map<?, ?> systemProperties, Map<String, String> environment) {
        String parameter = contextParameters.apply(setting.key());
        if (parameter != null && !parameter.isBlank()) {
            return new Found(setting, parameter.trim(), "context parameter " + setting.key());
        }
        Object property = systemProperties.get(setting.systemProperty());
        if (property != null && !property.toString().isBlank()) {
            return new Found(setting, property.toString().trim(), "system property " + setting.systemProperty());
        }
        String variable = environment.get(setting.environmentVariable());
        if (variable != null && !variable.isBlank()) {
            return new Found(setting, variable.trim(), "environment variable " + setting.environmentVariable());
        }
        return new Found(setting, setting.defaultValue(), "default");
    }

    // Every number ends up as an int or as a time added to the clock, so a larger one would fail
    // later, on a request, instead of here.
    private static long parse(Found found) {
        long parsed;
        try {
            parsed = Long.parseLong(found.value());
        } catch (NumberFormatException e) {
            throw found.invalid("must be a positive whole number");
        }
        if (parsed <= 0) {
            throw found.invalid("must be a positive whole number");
        }
        if (parsed > Integer.MAX_VALUE) {
            throw found.invalid("must be at most " + Integer.MAX_VALUE);
        }
        return parsed;
    }

    // The message is one log line: control characters in a value (a stray newline in an
    // environment file) are shown escaped instead of breaking it.
    private static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
