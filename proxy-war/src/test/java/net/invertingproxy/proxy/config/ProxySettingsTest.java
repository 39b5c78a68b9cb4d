package net.invertingproxy.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

/**
 * An operator sets the proxy up through whichever source suits the deployment (Tomcat's
 * context.xml, {@code -D} flags, a systemd environment file); the README promises which one wins:
 * context parameter, then system property, then environment variable, then the default.
 */
class ProxySettingsTest {

    @Test
    void aNumberComesFromTheContextThenTheSystemPropertyThenTheEnvironmentThenTheDefault() {
        assertPrecedence(ProxySetting.MAX_QUEUED_REQUESTS, ProxySettings::maxQueuedRequests,
                "11", "22", "33", 11, 22, 33, 10_000);
    }

    @Test
    void aDurationComesFromTheContextThenTheSystemPropertyThenTheEnvironmentThenTheDefault() {
        assertPrecedence(ProxySetting.REQUEST_TIMEOUT_SECONDS, ProxySettings::requestTimeout,
                "11", "22", "33", Duration.ofSeconds(11), Duration.ofSeconds(22), Duration.ofSeconds(33),
                Duration.ofSeconds(60));
    }

    @Test
    void aTextComesFromTheContextThenTheSystemPropertyThenTheEnvironmentThenTheDefault() {
        assertPrecedence(ProxySetting.METRICS_ACCESS, ProxySettings::metricsAccess,
                "off", "open", "OFF", ProxySettings.MetricsAccess.OFF, ProxySettings.MetricsAccess.OPEN,
                ProxySettings.MetricsAccess.OFF, ProxySettings.MetricsAccess.LOOPBACK);
        assertPrecedence(ProxySetting.METRICS_TOKEN, ProxySettings::metricsToken,
                "from-context", "from-property", "from-environment",
                "from-context", "from-property", "from-environment", "");
    }

    @Test
    void aBlankValueCountsAsUnsetAndCannotHideOneSetFurtherDown() {
        // An empty <Parameter> left in context.xml, or "-Dinverting-proxy.x=" from a script.
        Sources sources = new Sources()
                .context("poll-hold-seconds", "  ")
                .property("inverting-proxy.poll-hold-seconds", "")
                .environment("INVERTING_PROXY_POLL_HOLD_SECONDS", "7");

        assertEquals(Duration.ofSeconds(7), sources.resolve().pollHold());
    }

    @Test
    void aWordWhereANumberBelongsStopsStartUpNamingTheSettingItsSourceAndTheValue() {
        assertEquals("setting 'poll-hold-seconds' (context parameter poll-hold-seconds)"
                        + " must be a positive whole number, got 'abc'",
                refusal(new Sources().context("poll-hold-seconds", "abc")));
        assertEquals("setting 'poll-hold-seconds' (system property inverting-proxy.poll-hold-seconds)"
                        + " must be a positive whole number, got 'abc'",
                refusal(new Sources().property("inverting-proxy.poll-hold-seconds", "abc")));
        assertEquals("setting 'poll-hold-seconds' (environment variable INVERTING_PROXY_POLL_HOLD_SECONDS)"
                        + " must be a positive whole number, got 'abc'",
                refusal(new Sources().environment("INVERTING_PROXY_POLL_HOLD_SECONDS", "abc")));
    }

    @Test
    void aNegativeOrZeroNumberStopsStartUp() {
        assertEquals("setting 'request-timeout-seconds' (system property inverting-proxy.request-timeout-seconds)"
                        + " must be a positive whole number, got '-5'",
                refusal(new Sources().property("inverting-proxy.request-timeout-seconds", "-5")));
        assertEquals("setting 'max-exchanges' (environment variable INVERTING_PROXY_MAX_EXCHANGES)"
                        + " must be a positive whole number, got '0'",
                refusal(new Sources().environment("INVERTING_PROXY_MAX_EXCHANGES", "0")));
    }

    @Test
    void aNumberTooLargeToUseStopsStartUpInsteadOfFailingLater() {
        // Beyond an int a count cannot be used, and so many seconds added to the clock overflow it.
        assertEquals("setting 'max-queued-requests' (system property inverting-proxy.max-queued-requests)"
                        + " must be at most 2147483647, got '99999999999'",
                refusal(new Sources().property("inverting-proxy.max-queued-requests", "99999999999")));
        assertEquals("setting 'request-timeout-seconds' (context parameter request-timeout-seconds)"
                        + " must be at most 2147483647, got '9223372036854775807'",
                refusal(new Sources().context("request-timeout-seconds", "9223372036854775807")));
    }

    @Test
    void aTextOutsideItsChoicesStopsStartUpNamingItsSource() {
        assertEquals("setting 'metrics-access' (environment variable INVERTING_PROXY_METRICS_ACCESS)"
                        + " must be loopback, open or off, got 'everyone'",
                refusal(new Sources().environment("INVERTING_PROXY_METRICS_ACCESS", "everyone")));
        assertEquals("setting 'alb-public-keys-url' (context parameter alb-public-keys-url)"
                        + " must be an http(s) URL containing {kid}, got 'ftp://keys/{kid}'",
                refusal(new Sources().context("alb-public-keys-url", "ftp://keys/{kid}")));
    }

    @Test
    void aValueWithALineBreakStillGivesOneLine() {
        // A stray line break inside a value, e.g. a quoted value in an environment file.
        String message = refusal(new Sources().environment("INVERTING_PROXY_POLL_HOLD_SECONDS", "25\nextra"));

        assertFalse(message.contains("\n") || message.contains("\r"), message);
        assertEquals("setting 'poll-hold-seconds' (environment variable INVERTING_PROXY_POLL_HOLD_SECONDS)"
                + " must be a positive whole number, got '25\\x0aextra'", message);
    }

    /**
     * Sets the value in all three sources, then takes them away from the top one by one: each
     * time the next source down must show through, and with none the default.
     */
    private static <T> void assertPrecedence(ProxySetting setting, Function<ProxySettings, T> read,
                                             String contextValue, String propertyValue, String environmentValue,
                                             T fromContext, T fromProperty, T fromEnvironment, T byDefault) {
        Sources all = new Sources()
                .context(setting.key(), contextValue)
                .property(setting.systemProperty(), propertyValue)
                .environment(setting.environmentVariable(), environmentValue);
        Sources noContext = new Sources()
                .property(setting.systemProperty(), propertyValue)
                .environment(setting.environmentVariable(), environmentValue);
        Sources environmentOnly = new Sources().environment(setting.environmentVariable(), environmentValue);

        assertEquals(fromContext, read.apply(all.resolve()), setting.key() + " with all three sources");
        assertEquals(fromProperty, read.apply(noContext.resolve()), setting.key() + " without a context parameter");
        assertEquals(fromEnvironment, read.apply(environmentOnly.resolve()), setting.key() + " from the environment only");
        assertEquals(byDefault, read.apply(new Sources().resolve()), setting.key() + " set nowhere");
    }

    private static String refusal(Sources sources) {
        return assertThrows(InvalidSettingException.class, sources::resolve).getMessage();
    }

    /** The three places a setting can come from, as the container, the JVM and the process see them. */
    private static final class Sources {
        private final Map<String, String> context = new HashMap<>();
        private final Map<String, String> properties = new HashMap<>();
        private final Map<String, String> environment = new HashMap<>();

        Sources context(String name, String value) {
            context.put(name, value);
            return this;
        }

        Sources property(String name, String value) {
            properties.put(name, value);
            return this;
        }

        Sources environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        ProxySettings resolve() {
            return ProxySettings.resolve(context::get, properties, environment);
        }
    }
}
