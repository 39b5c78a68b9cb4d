package net.invertingproxy.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import net.invertingproxy.proxy.discovery.CloudMapSettings;

/**
 * The {@code cloudwatch-*} and {@code cloudmap-*} settings: a value AWS would refuse (or the SDK
 * would take and fail with on its first call, on a background thread) stops start-up with one line
 * naming the setting, its source and the value; well-formed values come through unchanged.
 */
class AwsFeatureSettingsTest {

    @Test
    void endpointsAndTheProxyUrlMustBeHttpUrlsWithAHost() {
        for (String key : new String[] {"cloudwatch-endpoint", "cloudmap-endpoint", "cloudmap-proxy-url"}) {
            assertEquals("setting '" + key + "' (context parameter " + key + ") must be an http(s) URL,"
                    + " got 'vpce-0123.monitoring'", refusal(key, "vpce-0123.monitoring"));
            assertEquals("setting '" + key + "' (context parameter " + key + ") must be an http(s) URL,"
                    + " got 'ftp://example.com/'", refusal(key, "ftp://example.com/"));
            assertEquals("setting '" + key + "' (context parameter " + key + ") must be an http(s) URL,"
                    + " got 'http:example.com'", refusal(key, "http:example.com"));
        }
    }

    @Test
    void embeddedMetricFormatIsTrueOrFalse() {
        assertEquals("setting 'cloudwatch-emf' (context parameter cloudwatch-emf) must be true or false, got 'maybe'",
                refusal("cloudwatch-emf", "maybe", "cloudwatch-namespace", "Proxy"));
    }

    @Test
    void embeddedMetricFormatWithoutANamespaceIsRefusedRatherThanSilentlyOff() {
        assertEquals("setting 'cloudwatch-emf' (context parameter cloudwatch-emf) is true but 'cloudwatch-namespace'"
                + " is empty: EMF lines need a namespace", refusal("cloudwatch-emf", "true"));
    }

    @Test
    void theStepIsAWholeNumberOfSecondsOfAtLeastOne() {
        assertEquals("setting 'cloudwatch-step-seconds' (context parameter cloudwatch-step-seconds)"
                + " must be a positive whole number, got '0.5'", refusal("cloudwatch-step-seconds", "0.5"));
        assertEquals("setting 'cloudwatch-step-seconds' (context parameter cloudwatch-step-seconds)"
                + " must be a positive whole number, got '0'", refusal("cloudwatch-step-seconds", "0"));
    }

    @Test
    void regionsMustLookLikeAwsRegions() {
        for (String key : new String[] {"cloudwatch-region", "cloudmap-region"}) {
            assertEquals("setting '" + key + "' (context parameter " + key + ") must be an AWS region such as"
                    + " eu-west-1, got 'EU West'", refusal(key, "EU West"));
            assertEquals("setting '" + key + "' (context parameter " + key + ") must be an AWS region such as"
                    + " eu-west-1, got 'https://monitoring.eu-west-1.amazonaws.com'",
                    refusal(key, "https://monitoring.eu-west-1.amazonaws.com"));
        }
    }

    @Test
    void theNamespaceFollowsCloudWatchsRules() {
        String rule = "must be a CloudWatch namespace: up to 255 letters, digits, spaces and . - _ / # :,"
                + " not starting with AWS/";
        assertEquals("setting 'cloudwatch-namespace' (context parameter cloudwatch-namespace) " + rule
                + ", got 'AWS/EC2'", refusal("cloudwatch-namespace", "AWS/EC2"));
        assertEquals("setting 'cloudwatch-namespace' (context parameter cloudwatch-namespace) " + rule
                + ", got 'Proxy;prod'", refusal("cloudwatch-namespace", "Proxy;prod"));
        String tooLong = "N".repeat(256);
        assertEquals("setting 'cloudwatch-namespace' (context parameter cloudwatch-namespace) " + rule
                + ", got '" + tooLong + "'", refusal("cloudwatch-namespace", tooLong));
    }

    @Test
    void theCloudMapServiceIsGivenByItsId() {
        assertEquals("setting 'cloudmap-service-id' (context parameter cloudmap-service-id) must be a Cloud Map"
                + " service ID such as srv-e4anhexample0004, got 'billing-service'",
                refusal("cloudmap-service-id", "billing-service"));
    }

    @Test
    void wellFormedValuesComeThroughUnchanged() {
        Map<String, String> context = Map.of("cloudwatch-namespace", "Inverting Proxy/prod#1",
                "cloudwatch-region", "us-gov-west-1", "cloudwatch-step-seconds", "30",
                "cloudwatch-endpoint", "https://vpce-0123.monitoring.eu-west-1.vpce.amazonaws.com",
                "cloudwatch-emf", "TRUE", "cloudmap-service-id", "srv-e4anhexample0004",
                "cloudmap-region", "cn-north-1", "cloudmap-endpoint", "http://127.0.0.1:4566",
                "cloudmap-proxy-url", "https://proxy.example.com/");

        assertEquals(new CloudWatchSettings("Inverting Proxy/prod#1", "us-gov-west-1", Duration.ofSeconds(30),
                URI.create("https://vpce-0123.monitoring.eu-west-1.vpce.amazonaws.com"), true),
                ProxySettings.resolve(context::get, Map.of(), Map.of()).cloudWatch());
        assertEquals(new CloudMapSettings("srv-e4anhexample0004", "cn-north-1", URI.create("http://127.0.0.1:4566"),
                "https://proxy.example.com/", Duration.ofSeconds(10)),
                CloudMapSettings.resolve(context::get, Map.of(), Map.of()));
    }

    // The refusal of these context parameters, as start-up would log it.
    private static String refusal(String... keysAndValues) {
        Map<String, String> context = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            context.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return assertThrows(InvalidSettingException.class,
                () -> ProxySettings.resolve(context::get, Map.of(), Map.of())).getMessage();
    }
}
