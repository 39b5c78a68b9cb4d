package net.invertingproxy.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgentConfigTest {
    private static AgentConfig parse(String... extra) throws UsageException {
        String[] args = new String[extra.length + 4];
        args[0] = "-proxy";
        args[1] = "http://127.0.0.1:8080/";
        args[2] = "-backend";
        args[3] = "default";
        System.arraycopy(extra, 0, args, 4, extra.length);
        return AgentConfig.parse(args);
    }

    private static String error(String... args) {
        UsageException e = assertThrows(UsageException.class, () -> AgentConfig.parse(args));
        assertFalse(e.isHelpRequested());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void defaultsAreTheDocumentedOnes() throws Exception {
        AgentConfig config = parse();
        assertEquals(URI.create("http://127.0.0.1:8080/"), config.proxy());
        assertEquals("default", config.backendId());
        assertEquals("localhost:8080", config.host());
        assertEquals("http", config.scheme());
        assertEquals(Duration.ofSeconds(60), config.proxyTimeout());
        assertEquals(Duration.ofSeconds(50), config.backendTimeout());
        assertEquals(1000, config.maxInFlight());
        assertEquals(65536, config.maxHeaderBytes());
        assertTrue(config.inlineRequests());
        assertTrue(config.websockets());
        assertEquals(Duration.ofSeconds(30), config.websocketPing());
        assertEquals("/", config.healthCheckPath());
        assertFalse(config.healthCheckEnabled());
        assertEquals(Duration.ZERO, config.healthCheckInterval());
        assertEquals(2, config.healthCheckUnhealthyThreshold());
        assertFalse(config.forwardUserId());
        assertFalse(config.stripCredentials());
        assertEquals(Duration.ofSeconds(10), config.gracefulShutdownTimeout());
        assertEquals("", config.credential());
        assertFalse(config.hasCredential());
        assertEquals(0, config.metricsPort());
        assertFalse(config.metricsEnabled());
        assertEquals("127.0.0.1", config.metricsAddress());
        assertFalse(config.debug());
        assertEquals(new HttpHost("http", "localhost", 8080), config.backendHost());
    }

    @Test
    void everyFlagIsReadInEverySpelling() throws Exception {
        AgentConfig config = AgentConfig.parse("--proxy=https://proxy.example.com/base", "-backend=b1",
                "--host", "[::1]:9443", "-scheme", "HTTPS", "-proxy-timeout", "1m30s", "--backend-timeout=250ms",
                "-max-in-flight", "7", "-max-header-bytes=4096", "-inline-requests", "false", "-websockets", "false",
                "-websocket-ping", "1m15s", "-health-check-path", "/healthz",
                "-health-check-interval-seconds", "3", "-health-check-unhealthy-threshold=4", "-forward-user-id",
                "--strip-credentials=true", "-graceful-shutdown-timeout", "2s", "-credential", "ipa_0123456789abcdef_secret", "-metrics-port", "9464",
                "--metrics-address=::1", "-debug=1");
        assertEquals(URI.create("https://proxy.example.com/base/"), config.proxy());
        assertEquals("b1", config.backendId());
        assertEquals("[::1]:9443", config.host());
        assertEquals("https", config.scheme());
        assertEquals(new HttpHost("https", "::1", 9443), config.backendHost());
        assertEquals(Duration.ofSeconds(90), config.proxyTimeout());
        assertEquals(Duration.ofMillis(250), config.backendTimeout());
        assertEquals(7, config.maxInFlight());
        assertEquals(4096, config.maxHeaderBytes());
        assertFalse(config.inlineRequests());
        assertFalse(config.websockets());
        assertEquals(Duration.ofSeconds(75), config.websocketPing());
        assertEquals("/healthz", config.healthCheckPath());
        assertTrue(config.healthCheckEnabled());
        assertEquals(Duration.ofSeconds(3), config.healthCheckInterval());
        assertEquals(4, config.healthCheckUnhealthyThreshold());
        assertTrue(config.forwardUserId());
        assertTrue(config.stripCredentials());
        assertEquals(Duration.ofSeconds(2), config.gracefulShutdownTimeout());
        assertEquals("ipa_0123456789abcdef_secret", config.credential());
        assertEquals("ipa_0123456789abcdef_…", config.credentialForLogs());
        assertFalse(config.toString().contains("secret"), config.toString());
        assertEquals(9464, config.metricsPort());
        assertTrue(config.metricsEnabled());
        assertEquals("::1", config.metricsAddress());
        assertTrue(config.debug());
    }

    @Test
    void booleanFlagsCanBeTurnedOffAndTheLastValueWins() throws Exception {
        assertFalse(parse("-forward-user-id", "-forward-user-id=false").forwardUserId());
        assertTrue(parse("-strip-credentials=F", "-strip-credentials=T").stripCredentials());
    }

    // Not a Go flag, so it may take its value as the next word: "-inline-requests false" must not leave it on.
    @Test
    void inlineRequestsTakesItsValueInEverySpelling() throws Exception {
        assertFalse(parse("-inline-requests", "false").inlineRequests());
        assertFalse(parse("--inline-requests=0").inlineRequests());
        assertTrue(parse("-inline-requests=false", "-inline-requests", "true").inlineRequests());
        assertFalse(AgentConfig.resolve(Map.of("INVERTING_PROXY_AGENT_INLINE_REQUESTS", "false"),
                "-proxy", "http://h/", "-backend", "b").inlineRequests());
        assertEquals("flag needs an argument: -inline-requests", error("-proxy", "http://h/", "-backend", "b",
                "-inline-requests"));
    }

    @Test
    void websocketsTakesItsValueAsTheNextWordToo() throws Exception {
        assertFalse(parse("-websockets", "false").websockets());
        assertFalse(parse("--websockets=0").websockets());
        assertTrue(parse("-websockets=false", "-websockets", "true").websockets());
        assertFalse(AgentConfig.resolve(Map.of("INVERTING_PROXY_AGENT_WEBSOCKETS", "false"),
                "-proxy", "http://h/", "-backend", "b").websockets());
    }

    @Test
    void websocketPingIsOffAtZeroAndMayComeJustBelowTheProxyTimeout() throws Exception {
        assertEquals(Duration.ZERO, parse("-websocket-ping", "0").websocketPing());
        assertEquals(Duration.ofMillis(200), parse("-websocket-ping=200ms").websocketPing());
        assertEquals(Duration.ofSeconds(89), parse("-proxy-timeout", "90s", "-websocket-ping", "89s").websocketPing());
    }

    // The Go agent: checks are on when the interval is above 0, whatever the path.
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-health-check-interval-seconds 0|false|0",
        "-health-check-interval-seconds -1|false|0",
        "-health-check-path /healthz|false|0",
        "-health-check-path /healthz -health-check-interval-seconds 0|false|0",
        "-health-check-interval-seconds 10|true|10",
        "-health-check-interval-seconds=1 -health-check-path=/|true|1"})
    void healthChecksAreOnExactlyWhenTheIntervalIsAboveZero(String flags, boolean on, int seconds) throws Exception {
        AgentConfig config = parse(flags.split(" "));
        assertEquals(on, config.healthCheckEnabled(), flags);
        assertEquals(Duration.ofSeconds(seconds), config.healthCheckInterval(), flags);
    }

    @Test
    void aGoAgentHealthCheckCommandLineMeansWhatItMeansInGo() throws Exception {
        AgentConfig config = AgentConfig.parse("-proxy", "https://proxy.example.com/", "-backend", "b",
                "-host", "localhost:8888", "-health-check-path", "healthz", "-health-check-interval-seconds", "30",
                "-health-check-unhealthy-threshold", "0");
        assertEquals("/healthz", config.healthCheckPath());
        assertTrue(config.healthCheckEnabled());
        assertEquals(Duration.ofSeconds(30), config.healthCheckInterval());
        // Go raises a threshold below 1 to 1 rather than refusing it.
        assertEquals(1, config.healthCheckUnhealthyThreshold());
        assertEquals("/", parse("-health-check-path", "").healthCheckPath());
        assertEquals("/a/b?x=1", parse("-health-check-path=a/b?x=1").healthCheckPath());
    }

    @Test
    void proxyUrlGetsItsTrailingSlash() throws Exception {
        assertEquals(URI.create("http://h:1/"), AgentConfig.parse("-proxy", "http://h:1", "-backend", "b").proxy());
        assertEquals(URI.create("http://h/p/"), AgentConfig.parse("-proxy", "http://h/p", "-backend", "b").proxy());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-bogus|flag provided but not defined: -bogus",
        "-proxy-timeout 60|invalid value \"60\" for flag -proxy-timeout: invalid duration \"60\" (use a unit: ns, us, ms, s, m, h)",
        "-max-in-flight many|invalid value \"many\" for flag -max-in-flight: not a whole number",
        "-max-in-flight 0|-max-in-flight must be at least 1, got 0",
        "-backend-timeout 0s|-backend-timeout must be positive, got 0s",
        "-forward-user-id=maybe|invalid value \"maybe\" for flag -forward-user-id: not a boolean (use true or false)",
        "-scheme ftp|-scheme must be http or https, got \"ftp\"",
        "-host a/b|-host must be host:port, got \"a/b\"",
        "-forward-user-id false|unexpected argument \"false\"",
        "-inline-requests maybe|invalid value \"maybe\" for flag -inline-requests: not a boolean (use true or false)",
        "-graceful-shutdown-timeout -1s|-graceful-shutdown-timeout must not be negative",
        "-metrics-port 65536|-metrics-port must be a port number (0 for none), got 65536",
        "-websocket-ping 90s|-websocket-ping must be below -proxy-timeout (1m0s), got 1m30s",
        "-websocket-ping 60s|-websocket-ping must be below -proxy-timeout (1m0s), got 1m0s",
        "-proxy-timeout 10s -websocket-ping 30s|-websocket-ping must be below -proxy-timeout (10s), got 30s",
        "-websocket-ping -1s|-websocket-ping must not be negative (0 turns pings off), got -1s",
        "-websocket-ping often|invalid value \"often\" for flag -websocket-ping: invalid duration \"often\" (use a unit: ns, us, ms, s, m, h)",
        "-websocket-ping 30|invalid value \"30\" for flag -websocket-ping: invalid duration \"30\" (use a unit: ns, us, ms, s, m, h)"})
    void mistakesAreOneLineErrors(String args, String message) {
        assertEquals(message, error(("-proxy http://h/ -backend b " + args).split(" ")));
    }

    @Test
    void requiredFlagsAndValuesAreChecked() {
        assertEquals("missing required flag -proxy", error("-backend", "b"));
        assertEquals("missing required flag -backend", error("-proxy", "http://h/"));
        assertEquals("flag needs an argument: -backend", error("-proxy", "http://h/", "-backend"));
        assertEquals("-proxy must be an http or https URL such as http://proxy.example.com/, got \"ftp://h/\"",
                error("-proxy", "ftp://h/", "-backend", "b"));
        assertEquals("-proxy must be an http or https URL such as http://proxy.example.com/, got \"h:8080\"",
                error("-proxy", "h:8080", "-backend", "b"));
    }

    @Test
    void helpIsRequestedInEverySpelling() {
        for (String help : new String[] {"-help", "--help", "-h", "--h"}) {
            UsageException e = assertThrows(UsageException.class, () -> AgentConfig.parse("-backend", "b", help));
            assertTrue(e.isHelpRequested(), help);
        }
    }

    @Test
    void usageListsEveryFlagWithItsDefault() {
        String usage = AgentConfig.usage();
        for (FlagTable.Flag flag : FlagTable.FLAGS) {
            assertTrue(usage.contains("\n  -" + flag.name() + (flag.isBoolean() ? "\n" : " " + flag.valueName() + "\n")),
                    flag.name());
            assertTrue(usage.contains(flag.description()), flag.name());
            String suffix = flag.isRequired() ? " (required)"
                    : " (default " + (flag.defaultValue().isEmpty() ? "\"\"" : flag.defaultValue()) + ")";
            assertTrue(usage.contains(flag.description() + suffix), flag.name());
        }
        assertEquals(34, FlagTable.FLAGS.size());
        assertTrue(usage.contains("\n  -help\n"));
    }

    @Test
    void constructorValidatesLikeTheParser() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AgentConfig(
                URI.create("http://h/"), "b", "localhost:1", "http", Duration.ofSeconds(1), Duration.ofSeconds(1),
                0, 65536, true, true, Duration.ZERO, "", Duration.ofSeconds(5), 2, false, false, Duration.ZERO, "", null, 0, "127.0.0.1", false, false, "", "", null, CloudWatchOptions.off()));
        assertEquals("-max-in-flight must be at least 1, got 0", e.getMessage());
    }
}
