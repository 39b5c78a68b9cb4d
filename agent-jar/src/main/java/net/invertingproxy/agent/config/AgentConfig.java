package net.invertingproxy.agent.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import org.apache.hc.core5.http.HttpHost;

/**
 * Everything the agent is told on its command line, validated and immutable. Each setting is one
 * flag of the Go agent; the flag table in {@link FlagTable} holds its name, default and
 * description once, for the parser and {@code --help} alike.
 *
 * <table>
 *   <caption>Settings (flag, default)</caption>
 *   <tr><td>{@code proxy}</td><td>{@code -proxy}, required; always ends in {@code /}</td></tr>
 *   <tr><td>{@code backendId}</td><td>{@code -backend}, required</td></tr>
 *   <tr><td>{@code host}</td><td>{@code -host}, {@code localhost:8080}</td></tr>
 *   <tr><td>{@code scheme}</td><td>{@code -scheme}, {@code http}</td></tr>
 *   <tr><td>{@code proxyTimeout}</td><td>{@code -proxy-timeout}, 60 s</td></tr>
 *   <tr><td>{@code backendTimeout}</td><td>{@code -backend-timeout}, 50 s</td></tr>
 *   <tr><td>{@code maxInFlight}</td><td>{@code -max-in-flight}, 1000</td></tr>
 *   <tr><td>{@code maxHeaderBytes}</td><td>{@code -max-header-bytes}, 65536</td></tr>
 *   <tr><td>{@code inlineRequests}</td><td>{@code -inline-requests}, true</td></tr>
 *   <tr><td>{@code websockets}</td><td>{@code -websockets}, true</td></tr>
 *   <tr><td>{@code websocketPing}</td><td>{@code -websocket-ping}, 30 s (0: off)</td></tr>
 *   <tr><td>{@code healthCheckPath}</td><td>{@code -health-check-path}, {@code /}</td></tr>
 *   <tr><td>{@code healthCheckInterval}</td><td>{@code -health-check-interval-seconds}, 0 (off)</td></tr>
 *   <tr><td>{@code healthCheckUnhealthyThreshold}</td><td>{@code -health-check-unhealthy-threshold}, 2</td></tr>
 *   <tr><td>{@code forwardUserId}</td><td>{@code -forward-user-id}, false</td></tr>
 *   <tr><td>{@code stripCredentials}</td><td>{@code -strip-credentials}, false</td></tr>
 *   <tr><td>{@code gracefulShutdownTimeout}</td><td>{@code -graceful-shutdown-timeout}, 10 s</td></tr>
 *   <tr><td>{@code credential}</td><td>{@code -credential}, empty (none)</td></tr>
 *   <tr><td>{@code proxyTls}</td><td>{@code -proxy-ca-file}, empty (the JDK's authorities only);
 *       {@code -insecure-skip-tls-verify}, false</td></tr>
 *   <tr><td>{@code metricsPort}</td><td>{@code -metrics-port}, 0 (none)</td></tr>
 *   <tr><td>{@code metricsAddress}</td><td>{@code -metrics-address}, {@code 127.0.0.1}</td></tr>
 *   <tr><td>{@code debug}</td><td>{@code -debug}, false</td></tr>
 *   <tr><td>{@code awsAuth}</td><td>{@code -aws-auth}, false</td></tr>
 *   <tr><td>{@code awsRegion}</td><td>{@code -aws-region}, empty (the AWS SDK's default region chain)</td></tr>
 *   <tr><td>{@code awsServerId}</td><td>{@code -aws-server-id}, empty (the {@code -proxy} URL's host)</td></tr>
 *   <tr><td>{@code serviceDiscovery}</td><td>{@code -SDnamespaceID}, {@code -SDService}, {@code -SDRegion},
 *   {@code -SDEndpoint}, all empty (off)</td></tr>
 *   <tr><td>{@code cloudWatch}</td><td>{@code -cloudwatch-namespace} (empty: off), {@code -cloudwatch-region},
 *       {@code -cloudwatch-step} (60 s), {@code -cloudwatch-endpoint}</td></tr>
 * </table>
 *
 * <p>Build one with {@link #parse(String...)}, e.g. {@code AgentConfig.parse("-proxy",
 * "http://127.0.0.1:8080/", "-backend", "default", "-host", "127.0.0.1:8081")}; the canonical
 * constructor validates the same way and throws {@link IllegalArgumentException}.
 */
public record AgentConfig(
        URI proxy,
        String backendId,
        String host,
        String scheme,
        Duration proxyTimeout,
        Duration backendTimeout,
        int maxInFlight,
        int maxHeaderBytes,
        boolean inlineRequests,
        boolean websockets,
        Duration websocketPing,
        String healthCheckPath,
        Duration healthCheckInterval,
        int healthCheckUnhealthyThreshold,
        boolean forwardUserId,
        boolean stripCredentials,
        Duration gracefulShutdownTimeout,
        String credential,
        ProxyTls proxyTls,
        int metricsPort,
        String metricsAddress,
        boolean debug,
        boolean awsAuth,
        String awsRegion,
        String awsServerId,
        ServiceDiscovery serviceDiscovery,
        CloudWatchOptions cloudWatch) {

    /** Validates every setting and adds the trailing {@code /} the agent call paths are resolved against. */
    public AgentConfig {
        proxy = withTrailingSlash(checkProxy(Objects.requireNonNull(proxy, "proxy")));
        Objects.requireNonNull(backendId, "backendId");
        if (backendId.isBlank()) {
            throw new IllegalArgumentException("-backend must not be empty");
        }
        Objects.requireNonNull(scheme, "scheme");
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("-scheme must be http or https, got \"" + scheme + "\"");
        }
        checkHost(Objects.requireNonNull(host, "host"), scheme);
        checkPositive(proxyTimeout, "-proxy-timeout");
        checkPositive(backendTimeout, "-backend-timeout");
        checkWebsocketPing(websocketPing, proxyTimeout);
        checkAtLeast(maxInFlight, 1, "-max-in-flight");
        checkAtLeast(maxHeaderBytes, 256, "-max-header-bytes");
        // The Go agent's readings: "healthz" means /healthz, an interval of 0 or less turns checks
        // off, and a threshold below 1 is 1; its command lines must keep working unchanged.
        healthCheckPath = withLeadingSlash(Objects.requireNonNull(healthCheckPath, "healthCheckPath"));
        Objects.requireNonNull(healthCheckInterval, "healthCheckInterval");
        healthCheckInterval = healthCheckInterval.isNegative() ? Duration.ZERO : healthCheckInterval;
        healthCheckUnhealthyThreshold = Math.max(1, healthCheckUnhealthyThreshold);
        Objects.requireNonNull(gracefulShutdownTimeout, "gracefulShutdownTimeout");
        if (gracefulShutdownTimeout.isNegative()) {
            throw new IllegalArgumentException("-graceful-shutdown-timeout must not be negative");
        }
        credential = credential == null ? "" : credential;
        if (!credential.isEmpty() && !credential.matches("[A-Za-z0-9_.~+/=-]+")) {
            // It goes into an Authorization header: a stray space or newline would break every call.
            throw new IllegalArgumentException("-credential must be one token (as issued, ipa_...), got one with"
                    + " spaces or control characters");
        }
        if (metricsPort < 0 || metricsPort > 65535) {
            throw new IllegalArgumentException("-metrics-port must be a port number (0 for none), got " + metricsPort);
        }
        Objects.requireNonNull(metricsAddress, "metricsAddress");
        Objects.requireNonNull(cloudWatch, "cloudWatch");
        proxyTls = proxyTls == null ? ProxyTls.VERIFIED : proxyTls;
        if (metricsAddress.isBlank()) {
            throw new IllegalArgumentException("-metrics-address must not be empty");
        }
        awsRegion = awsRegion == null ? "" : awsRegion.trim();
        if (!awsRegion.matches("[a-z0-9-]*")) {
            throw new IllegalArgumentException("-aws-region must be an AWS region such as eu-west-1, got \"" + awsRegion + "\"");
        }
        awsServerId = awsServerId == null ? "" : awsServerId.trim();
        if (!awsServerId.matches("[\\x21-\\x7e]*")) {
            // It goes into a signed header: spaces or control characters would not survive the trip.
            throw new IllegalArgumentException("-aws-server-id must be printable characters without spaces");
        }
        // Each call carries one Authorization: the session of an AWS login or the shared credential.
        if (awsAuth && !credential.isEmpty()) {
            throw new IllegalArgumentException("-aws-auth and -credential exclude each other: an AWS-verified agent"
                    + " sends the session credential its login gives");
        }
        serviceDiscovery = serviceDiscovery == null ? ServiceDiscovery.OFF : serviceDiscovery;
    }

    /** The server ID an AWS login is signed for: {@code -aws-server-id}, else the {@code -proxy} URL's host. */
    public String awsLoginServerId() {
        return awsServerId.isEmpty() ? proxy.getHost() : awsServerId;
    }

    /** Parses a command line in the Go agent's syntax; {@code -help} and mistakes both throw {@link UsageException}. */
    public static AgentConfig parse(String... args) throws UsageException {
        return FlagTable.parse(args);
    }

    /**
     * Reads the settings as the command-line agent does: the {@code -config} file, then the
     * environment variables {@code INVERTING_PROXY_AGENT_<FLAG>}, then the flags, the last winning.
     */
    public static AgentConfig resolve(Map<String, String> environment, String... args) throws UsageException {
        return FlagTable.parse(environment, args);
    }

    /** The {@code --help} text: every flag with its default and description. */
    public static String usage() {
        return FlagTable.usage();
    }

    /** Where backend requests go: {@code scheme://host}. */
    public HttpHost backendHost() {
        try {
            return HttpHost.create(scheme + "://" + host);
        } catch (URISyntaxException e) {
            // The constructor checked exactly this.
            throw new IllegalStateException(e);
        }
    }

    /** Whether a credential is sent on every call to the proxy (the shared one; see {@link #awsAuth()} for the other). */
    public boolean hasCredential() {
        return !credential.isEmpty();
    }

    /** The credential as it may be logged: its kind and key ID, never its secret. */
    public String credentialForLogs() {
        if (credential.isEmpty()) {
            return "none";
        }
        // The secret itself may hold '_': cut after the key ID, the second field.
        int secretStart = credential.indexOf('_', credential.indexOf('_') + 1);
        return secretStart > 0 ? credential.substring(0, secretStart) + "_…" : "…";
    }

    /** Everything but the credential's secret, which must never reach a log. */
    @Override
    public String toString() {
        return "AgentConfig[proxy=" + proxy + ", backendId=" + backendId + ", host=" + host + ", scheme=" + scheme
                + ", credential=" + credentialForLogs() + ", awsAuth=" + awsAuth + ", maxInFlight=" + maxInFlight + "]";
    }

    /** Whether {@code -metrics-port} asks for a metrics endpoint. */
    public boolean metricsEnabled() {
        return metricsPort != 0;
    }

    /** Whether health checks are on: as in the Go agent, {@code -health-check-interval-seconds} is above 0. */
    public boolean healthCheckEnabled() {
        return !healthCheckInterval.isZero();
    }

    private static URI checkProxy(URI proxy) {
        String scheme = proxy.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || proxy.getHost() == null || proxy.getRawQuery() != null || proxy.getRawFragment() != null) {
            throw new IllegalArgumentException("-proxy must be an http or https URL such as http://proxy.example.com/, got \""
                    + proxy + "\"");
        }
        return proxy;
    }

    private static URI withTrailingSlash(URI proxy) {
        String text = proxy.toString();
        if (text.endsWith("/")) {
            return proxy;
        }
        return URI.create(text + "/");
    }

    private static String withLeadingSlash(String path) {
        return path.startsWith("/") ? path : "/" + path;
    }

    private static void checkHost(String host, String scheme) {
        try {
            HttpHost parsed = HttpHost.create(scheme + "://" + host);
            if (host.isEmpty() || host.contains("/") || parsed.getHostName().isEmpty()) {
                throw new URISyntaxException(host, "not host:port");
            }
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalArgumentException("-host must be host:port, got \"" + host + "\"");
        }
    }

    private static void checkPositive(Duration duration, String flag) {
        Objects.requireNonNull(duration, flag);
        if (duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException(flag + " must be positive, got " + GoDuration.format(duration));
        }
    }

    // The pong must reach the proxy before the agent's calls to it may idle out, after -proxy-timeout.
    private static void checkWebsocketPing(Duration websocketPing, Duration proxyTimeout) {
        Objects.requireNonNull(websocketPing, "-websocket-ping");
        if (websocketPing.isNegative()) {
            throw new IllegalArgumentException("-websocket-ping must not be negative (0 turns pings off), got "
                    + GoDuration.format(websocketPing));
        }
        if (websocketPing.compareTo(proxyTimeout) >= 0) {
            throw new IllegalArgumentException("-websocket-ping must be below -proxy-timeout ("
                    + GoDuration.format(proxyTimeout) + "), got " + GoDuration.format(websocketPing));
        }
    }

    private static void checkAtLeast(int value, int minimum, String flag) {
        if (value < minimum) {
            throw new IllegalArgumentException(flag + " must be at least " + minimum + ", got " + value);
        }
    }
}
