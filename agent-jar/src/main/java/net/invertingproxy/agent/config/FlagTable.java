package net.invertingproxy.agent.config;

import java.net.URI;
import java.time.Duration;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Locale;
import java.util.Set;

/**
 * The one table of the agent's flags and the parser that reads it. Defaults are applied by parsing
 * each flag's default text with the flag's own setter, so the defaults the agent runs with and the
 * ones {@code --help} prints cannot disagree.
 *
 * <p>Syntax follows Go's {@code flag} package: {@code -name value}, {@code -name=value}, the same
 * with {@code --}, and boolean flags alone or as {@code -name=true|false}.
 */
final class FlagTable {
    /** One flag; a {@code null} value name marks a boolean flag, a {@code null} default a required one. */
    record Flag(String name, String valueName, String defaultValue, String description, Setter setter) {
        boolean isBoolean() {
            return valueName == null;
        }

        boolean isRequired() {
            return defaultValue == null;
        }
    }

    /** Reads one flag value into the settings; throws {@link IllegalArgumentException} for a bad value. */
    @FunctionalInterface
    interface Setter {
        void set(Settings settings, String value);
    }

    /** The settings being parsed, before they are validated as an {@link AgentConfig}. */
    static final class Settings {
        URI proxy;
        String backendId;
        String host;
        String scheme;
        Duration proxyTimeout;
        Duration backendTimeout;
        int maxInFlight;
        int maxHeaderBytes;
        boolean inlineRequests;
        boolean websockets;
        Duration websocketPing;
        String healthCheckPath;
        Duration healthCheckInterval;
        int healthCheckUnhealthyThreshold;
        boolean forwardUserId;
        boolean stripCredentials;
        Duration gracefulShutdownTimeout;
        String credential;
        String proxyCaFile;
        boolean insecureSkipTlsVerify;
        int metricsPort;
        String metricsAddress;
        String cloudWatchNamespace;
        String cloudWatchRegion;
        Duration cloudWatchStep;
        URI cloudWatchEndpoint;
        boolean debug;
        boolean awsAuth;
        String awsRegion;
        String awsServerId;
        String sdNamespaceId;
        String sdService;
        String sdRegion;
        String sdEndpoint;

        AgentConfig toConfig() {
            return new AgentConfig(proxy, backendId, host, scheme, proxyTimeout, backendTimeout, maxInFlight,
                    maxHeaderBytes, inlineRequests, websockets, websocketPing, healthCheckPath, healthCheckInterval, healthCheckUnhealthyThreshold,
                    forwardUserId, stripCredentials, gracefulShutdownTimeout, credential,
                    ProxyTls.of(proxyCaFile, insecureSkipTlsVerify), metricsPort, metricsAddress,
                    debug, awsAuth, awsRegion, awsServerId,
                    new ServiceDiscovery(sdNamespaceId, sdService, sdRegion, sdEndpoint),
                    new CloudWatchOptions(cloudWatchNamespace, cloudWatchRegion, cloudWatchStep,
                    cloudWatchEndpoint));
        }
    }

    static final List<Flag> FLAGS = List.of(
            new Flag("proxy", "URL", null,
                    "URL of the inverting proxy, e.g. http://proxy.example.com/ (a trailing / is added)",
                    (s, v) -> s.proxy = uri(v)),
            new Flag("backend", "ID", null,
                    "ID of the backend this agent serves, sent to the proxy on every call",
                    (s, v) -> s.backendId = v),
            new Flag("host", "host:port", "localhost:8080",
                    "host and port of the backend that requests are forwarded to",
                    (s, v) -> s.host = v),
            new Flag("scheme", "http|https", "http",
                    "scheme used to reach the backend",
                    (s, v) -> s.scheme = v.toLowerCase(Locale.ROOT)),
            new Flag("proxy-timeout", "duration", "60s",
                    "timeout of each call to the proxy: connecting and waiting for its answer; keep it above how"
                            + " long the proxy holds a poll, its poll-hold-seconds: 25s by default",
                    (s, v) -> s.proxyTimeout = GoDuration.parse(v)),
            new Flag("backend-timeout", "duration", "50s",
                    "timeout of backend calls: connecting, waiting for the response head and any pause in either"
                            + " body; a timeout before the head is answered 504",
                    (s, v) -> s.backendTimeout = GoDuration.parse(v)),
            new Flag("max-in-flight", "n", "1000",
                    "most requests forwarded at once; beyond it a request is answered 503 without being read;"
                            + " each one waiting for its backend holds about 30 KB of heap: size -Xmx to match",
                    (s, v) -> s.maxInFlight = integer(v)),
            new Flag("max-header-bytes", "n", "65536",
                    "largest head (request line and headers together) accepted in a request read from the proxy",
                    (s, v) -> s.maxHeaderBytes = integer(v)),
            // Takes its value as a separate word too (-inline-requests false), unlike Go's boolean flags:
            // Go would read "false" there as the first non-flag argument and leave the flag on.
            new Flag("inline-requests", "true|false", "true",
                    "ask the proxy to put bodiless requests in its poll answers, saving a GET agent/request each;"
                            + " false behaves exactly like the Go agent",
                    (s, v) -> s.inlineRequests = bool(v)),
            // Takes its value as a separate word too, like -inline-requests.
            new Flag("websockets", "true|false", "true",
                    "tunnel WebSocket connections: ask the proxy to send WebSocket handshakes as such on GET"
                            + " agent/request and relay the connection's bytes both ways; false behaves exactly like the"
                            + " Go agent (the backend sees a plain GET)",
                    (s, v) -> s.websockets = bool(v)),
            new Flag("websocket-ping", "duration", "30s",
                    "keep-alive of tunnelled WebSockets: when the backend has sent nothing for this long, the agent"
                            + " sends it an empty ping between two of the client's frames, whose pong keeps every leg of"
                            + " the connection busy (an ALB closes connections idle for 60s); a backend silent for three"
                            + " times this long (at least 10s) is taken for gone and its WebSocket closed; 0 turns it off (and that"
                            + " check); must be below -proxy-timeout",
                    (s, v) -> s.websocketPing = GoDuration.parse(v)),
            new Flag("health-check-path", "path", "/",
                    "backend path checked with GET while health checks are on, e.g. /healthz; a missing leading /"
                            + " is added",
                    (s, v) -> s.healthCheckPath = v),
            new Flag("health-check-interval-seconds", "n", "0",
                    "seconds between health checks, also the timeout of each; 0 or less turns checks off. A check"
                            + " passes when its answer, after redirects, is 200; polling starts at the first pass",
                    (s, v) -> s.healthCheckInterval = Duration.ofSeconds(integer(v))),
            new Flag("health-check-unhealthy-threshold", "n", "2",
                    "consecutive failed health checks after which the agent stops polling until a check passes"
                            + " (less than 1 counts as 1)",
                    (s, v) -> s.healthCheckUnhealthyThreshold = integer(v)),
            new Flag("forward-user-id", null, "false",
                    "pass the proxy's X-Inverting-Proxy-User-ID header on to the backend"
                            + " (one sent by the client is always removed)",
                    (s, v) -> s.forwardUserId = bool(v)),
            new Flag("strip-credentials", null, "false",
                    "remove the Authorization header before forwarding a request (cookies are kept, as by the Go agent)",
                    (s, v) -> s.stripCredentials = bool(v)),
            new Flag("graceful-shutdown-timeout", "duration", "10s",
                    "on SIGTERM, how long requests in flight may take to finish before the agent exits",
                    (s, v) -> s.gracefulShutdownTimeout = GoDuration.parse(v)),
            new Flag("credential", "token", "",
                    "agent credential for the backend, issued by the proxy's admin API (ipa_...); better set as"
                            + " INVERTING_PROXY_AGENT_CREDENTIAL or in the -config file, where other users cannot see it;"
                            + " empty sends none (only for backends that accept legacy agents)",
                    (s, v) -> s.credential = v.trim()),
            new Flag("proxy-ca-file", "path", "",
                    "PEM file of CA certificates trusted for an https -proxy besides the JDK's own (a private CA);"
                            + " the proxy's host name is checked all the same; empty: the JDK's authorities only",
                    (s, v) -> s.proxyCaFile = v),
            new Flag("insecure-skip-tls-verify", null, "false",
                    "DANGEROUS: accept any certificate and host name from an https -proxy, so anyone on the path can"
                            + " pose as the proxy, read every request and take the credential; logged as a warning"
                            + " at start; for a throw-away test only",
                    (s, v) -> s.insecureSkipTlsVerify = bool(v)),
            new Flag("metrics-port", "n", "0",
                    "port serving the agent's own metrics at /metrics in Prometheus format; 0 serves none",
                    (s, v) -> s.metricsPort = integer(v)),
            new Flag("metrics-address", "address", "127.0.0.1",
                    "address the metrics port listens on; 0.0.0.0 exposes it on every interface",
                    (s, v) -> s.metricsAddress = v),
            new Flag("cloudwatch-namespace", "namespace", "",
                    "CloudWatch namespace that the agent's response-code counts and backend latency are published"
                            + " under, with the dimension BackendId; empty publishes nothing (and loads no AWS SDK class)",
                    (s, v) -> s.cloudWatchNamespace = v.trim()),
            new Flag("cloudwatch-region", "region", "",
                    "AWS region of the CloudWatch namespace; empty: the SDK's default lookup (AWS_REGION, the profile,"
                            + " the instance metadata)",
                    (s, v) -> s.cloudWatchRegion = v.trim()),
            new Flag("cloudwatch-step", "duration", "60s",
                    "how often meters are published to CloudWatch, also the period each datum covers (at least 1s)",
                    (s, v) -> s.cloudWatchStep = GoDuration.parse(v)),
            new Flag("cloudwatch-endpoint", "URL", "",
                    "another CloudWatch endpoint (a VPC endpoint, a test's fake); empty: the region's own",
                    (s, v) -> s.cloudWatchEndpoint = v.isBlank() ? null : uri(v)),
            new Flag("debug", null, "false",
                    "log the agent's own debug messages",
                    (s, v) -> s.debug = bool(v)),
            new Flag("aws-auth", null, "false",
                    "prove the agent's AWS identity to the proxy instead of sending -credential: sign an"
                            + " sts:GetCallerIdentity request (credentials from the AWS SDK's default chain), log in"
                            + " with it (POST agent/login) and send the session credential the proxy gives, logging"
                            + " in again before it ends; the backend must have awsIdentity",
                    (s, v) -> s.awsAuth = bool(v)),
            new Flag("aws-region", "region", "",
                    "with -aws-auth, the region of the STS endpoint the login is signed for; must be the proxy's"
                            + " aws-region; empty: the AWS SDK's default region chain (AWS_REGION, profile, instance)",
                    (s, v) -> s.awsRegion = v),
            new Flag("aws-server-id", "id", "",
                    "with -aws-auth, the proxy's server ID signed into the login (X-Inverting-Proxy-Server-ID), its"
                            + " aws-server-id setting; empty: the host of the -proxy URL",
                    (s, v) -> s.awsServerId = v),
            // Named as in the AWS variant of the Go agent, so its command lines keep working.
            new Flag("SDnamespaceID", "ID", "",
                    "AWS Cloud Map namespace (ns-...) of the -SDService named by its name; with -SDService the agent"
                            + " registers an instance for its backend at start and deregisters it at stop",
                    (s, v) -> s.sdNamespaceId = v.trim()),
            new Flag("SDService", "name|srv-ID", "",
                    "AWS Cloud Map service the agent registers its backend in: its ID (srv-...) or its name in"
                            + " -SDnamespaceID; empty: no registration (no AWS SDK class is loaded)",
                    (s, v) -> s.sdService = v.trim()),
            new Flag("SDRegion", "region", "",
                    "AWS region of the Cloud Map service; empty: the AWS SDK's default lookup (AWS_REGION, profile)",
                    (s, v) -> s.sdRegion = v.trim()),
            new Flag("SDEndpoint", "URL", "",
                    "URL of the Cloud Map API to call instead of the region's (a VPC endpoint, a test's stand-in)",
                    (s, v) -> s.sdEndpoint = v.trim()));

    private static final Set<String> HELP = Set.of("h", "help");

    private FlagTable() {
    }

    /** The flag naming a settings file; it is read before the environment and the other flags. */
    static final String CONFIG_FLAG = "config";
    /** Prefix of the environment variables that set flags, e.g. {@code INVERTING_PROXY_AGENT_BACKEND_TIMEOUT}. */
    static final String ENVIRONMENT_PREFIX = "INVERTING_PROXY_AGENT_";

    static AgentConfig parse(String... args) throws UsageException {
        return parse(Map.of(), args);
    }

    /**
     * Settings come from, last one winning: defaults, the {@code -config} file (a properties file
     * of flag names, or {@code INVERTING_PROXY_AGENT_CONFIG}), environment variables
     * {@code INVERTING_PROXY_AGENT_<FLAG>}, then the command line.
     */
    static AgentConfig parse(Map<String, String> environment, String... args) throws UsageException {
        Settings settings = defaults();
        boolean[] seen = new boolean[FLAGS.size()];
        String configFile = configFileOf(environment, args);
        if (configFile != null) {
            applyFile(configFile, settings, seen);
        }
        for (int f = 0; f < FLAGS.size(); f++) {
            String value = environment.get(environmentVariable(FLAGS.get(f).name()));
            if (value != null) {
                apply(FLAGS.get(f), settings, value);
                seen[f] = true;
            }
        }
        return applyArgs(settings, seen, args);
    }

    static String environmentVariable(String flagName) {
        return ENVIRONMENT_PREFIX + flagName.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static String configFileOf(Map<String, String> environment, String... args) throws UsageException {
        String file = environment.get(environmentVariable(CONFIG_FLAG));
        for (int i = 0; i < args.length; i++) {
            String arg = args[i].replaceFirst("^--?", "");
            if (arg.equals(CONFIG_FLAG)) {
                if (i + 1 >= args.length) {
                    throw UsageException.invalid("flag needs an argument: -" + CONFIG_FLAG);
                }
                file = args[i + 1];
            } else if (arg.startsWith(CONFIG_FLAG + "=")) {
                file = arg.substring(CONFIG_FLAG.length() + 1);
            }
        }
        return file;
    }

    private static void applyFile(String file, Settings settings, boolean[] seen) throws UsageException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | RuntimeException e) {
            throw UsageException.invalid("cannot read config file " + file + ": " + e.getMessage());
        }
        for (String name : properties.stringPropertyNames()) {
            int index = indexOf(name);
            if (index < 0) {
                throw UsageException.invalid("config file " + file + " sets unknown flag \"" + name + "\"");
            }
            apply(FLAGS.get(index), settings, properties.getProperty(name).trim());
            seen[index] = true;
        }
    }

    private static AgentConfig applyArgs(Settings settings, boolean[] seen, String... args) throws UsageException {
        int i = 0;
        while (i < args.length) {
            String arg = args[i++];
            if (arg.equals("--")) {
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                throw UsageException.invalid("unexpected argument \"" + arg + "\"");
            }
            String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            int equals = body.indexOf('=');
            String name = equals < 0 ? body : body.substring(0, equals);
            String inlineValue = equals < 0 ? null : body.substring(equals + 1);
            if (HELP.contains(name)) {
                throw UsageException.helpRequested();
            }
            if (name.equals(CONFIG_FLAG)) {
                // Already read, before the environment; only its value is skipped here.
                i += inlineValue == null ? 1 : 0;
                continue;
            }
            int index = indexOf(name);
            if (index < 0) {
                throw UsageException.invalid("flag provided but not defined: -" + name);
            }
            Flag flag = FLAGS.get(index);
            String value;
            if (inlineValue != null) {
                value = inlineValue;
            } else if (flag.isBoolean()) {
                value = "true";
            } else if (i < args.length) {
                value = args[i++];
            } else {
                throw UsageException.invalid("flag needs an argument: -" + name);
            }
            apply(flag, settings, value);
            seen[index] = true;
        }
        if (i < args.length) {
            throw UsageException.invalid("unexpected argument \"" + args[i] + "\"");
        }
        for (int f = 0; f < FLAGS.size(); f++) {
            if (FLAGS.get(f).isRequired() && !seen[f]) {
                throw UsageException.invalid("missing required flag -" + FLAGS.get(f).name());
            }
        }
        try {
            return settings.toConfig();
        } catch (IllegalArgumentException e) {
            throw UsageException.invalid(e.getMessage());
        }
    }

    static String usage() {
        StringBuilder text = new StringBuilder()
                .append("Usage: java -jar inverting-proxy-agent.jar -proxy URL -backend ID [flag ...]\n\n")
                .append("Polls an inverting proxy for client requests and forwards them to a private backend.\n")
                .append("Flags may also be written --name, -name=value or --name=value. Each may also be set\n")
                .append("as the environment variable " + ENVIRONMENT_PREFIX + "<NAME> (e.g. " + environmentVariable("backend-timeout")
                        + ")\nor in a properties file named by -config FILE (name=value lines); flags win over\n")
                .append("the environment, which wins over the file.\n\n")
                .append("  -config FILE\n        properties file of flag settings (default none)\n");
        for (Flag flag : FLAGS) {
            text.append("  -").append(flag.name());
            if (!flag.isBoolean()) {
                text.append(' ').append(flag.valueName());
            }
            text.append("\n        ").append(flag.description());
            if (flag.isRequired()) {
                text.append(" (required)");
            } else {
                text.append(" (default ").append(flag.defaultValue().isEmpty() ? "\"\"" : flag.defaultValue()).append(')');
            }
            text.append('\n');
        }
        return text.append("  -help\n        print this help and exit\n").toString();
    }

    private static Settings defaults() {
        Settings settings = new Settings();
        for (Flag flag : FLAGS) {
            if (!flag.isRequired()) {
                flag.setter().set(settings, flag.defaultValue());
            }
        }
        return settings;
    }

    private static void apply(Flag flag, Settings settings, String value) throws UsageException {
        try {
            flag.setter().set(settings, value);
        } catch (IllegalArgumentException e) {
            throw UsageException.invalid("invalid value \"" + value + "\" for flag -" + flag.name() + ": " + e.getMessage());
        }
    }

    private static int indexOf(String name) {
        for (int i = 0; i < FLAGS.size(); i++) {
            if (FLAGS.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static URI uri(String value) {
        try {
            return new URI(value);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getReason());
        }
    }

    private static int integer(String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
    }

    // The spellings Go's strconv.ParseBool accepts, so Go agent command lines keep working.
    private static boolean bool(String value) {
        switch (value) {
            case "1": case "t": case "T": case "true": case "TRUE": case "True":
                return true;
            case "0": case "f": case "F": case "false": case "FALSE": case "False":
                return false;
            default:
                throw new IllegalArgumentException("not a boolean (use true or false)");
        }
    }
}
