package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import net.invertingproxy.tunnel.FakeCloudWatch.Call;

/**
 * The proxy and the agent publish their per-backend request meters through the real SDK client to
 * a fake CloudWatch on loopback, with traffic through the real tunnel; CloudWatch refusing them
 * is logged once per kind and never disturbs a request.
 */
class CloudWatchPublishingTest {
    private static final String NAMESPACE = "InvertingProxy/Test";
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final Logger PROXY_FAILURES =
            Logger.getLogger("net.invertingproxy.proxy.metrics.cloudwatch.PublicationFailures");

    @BeforeAll
    static void staticCredentials() {
        // The SDK's default lookup reads these first; no AWS configuration of the machine is used.
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    }

    @AfterAll
    static void forgetCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @Test
    void theProxyPublishesResponseCodesAndLatencyPerBackend() throws Exception {
        try (FakeCloudWatch cloudWatch = new FakeCloudWatch(); Tunnel tunnel = Tunnel.start(proxySettings(cloudWatch))) {
            tunnel.backend.behave((request, response, recorded) -> response.setStatus(418));
            for (int i = 0; i < 3; i++) {
                assertEquals(418, get(tunnel, "/teapot"));
            }
            Map<String, String> teapots = Map.of("BackendId", "default", "status", "418");
            List<Call> calls = cloudWatch.await(c -> sum(c, "inverting.proxy.client.requests.count", teapots) >= 3
                            && sum(c, "inverting.proxy.client.duration.count", Map.of("BackendId", "default")) >= 3,
                    DEADLINE, "three 418s and their latency for backend default");
            assertEquals(3.0, sum(calls, "inverting.proxy.client.requests.count", teapots));
            assertTrue(sum(calls, "inverting.proxy.client.duration.sum", Map.of("BackendId", "default")) > 0,
                    "no latency sum: " + calls);
            for (Call call : calls) {
                assertTrue(call.path().endsWith("/operation/PutMetricData"), call.path());
                assertEquals(NAMESPACE, call.body().get("Namespace"));
                for (Map<String, Object> datum : call.metricData()) {
                    String name = (String) datum.get("MetricName");
                    // Nothing but the per-backend request meters: every metric costs money there.
                    assertTrue(name.startsWith("inverting.proxy.client.requests.")
                            || name.startsWith("inverting.proxy.client.duration."), "published " + name);
                    assertTrue(dimensions(datum).containsKey("BackendId"), "no BackendId on " + datum);
                    assertTrue(!dimensions(datum).containsKey("outcome"), "outcome published on " + datum);
                }
            }
        }
    }

    @Test
    void throttlingAndAccessDeniedAreLoggedOncePerKindAndRequestsKeepWorking() throws Exception {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler handler = capture(warnings);
        PROXY_FAILURES.addHandler(handler);
        try (FakeCloudWatch cloudWatch = new FakeCloudWatch(); Tunnel tunnel = Tunnel.start(proxySettings(cloudWatch))) {
            cloudWatch.fail(400, "Throttling", "Rate exceeded");
            assertEquals(204, get(tunnel, "/first"));
            cloudWatch.await(c -> c.size() >= 3, DEADLINE, "three throttled calls");
            assertEquals(204, get(tunnel, "/while-throttled"));
            cloudWatch.fail(403, "AccessDenied", "User is not authorized to perform: cloudwatch:PutMetricData");
            int before = cloudWatch.calls().size();
            cloudWatch.await(c -> c.size() >= before + 3, DEADLINE, "three refused calls");
            assertEquals(204, get(tunnel, "/while-refused"));
            assertEquals(1, count(warnings, "(Throttling)"), "warnings: " + messages(warnings));
            assertEquals(1, count(warnings, "(AccessDenied)"), "warnings: " + messages(warnings));
            assertEquals(2, warnings.size(), "warnings: " + messages(warnings));
        } finally {
            PROXY_FAILURES.removeHandler(handler);
        }
    }

    @Test
    void anUnreachableEndpointIsLoggedOnceAndRequestsKeepWorking() throws Exception {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler handler = capture(warnings);
        PROXY_FAILURES.addHandler(handler);
        FakeCloudWatch gone = new FakeCloudWatch();
        gone.close();
        try (Tunnel tunnel = Tunnel.start(proxySettings(gone))) {
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (count(warnings, "(unreachable)") == 0 && System.nanoTime() < deadline) {
                assertEquals(204, get(tunnel, "/meanwhile"));
                Thread.sleep(100);
            }
            assertEquals(1, count(warnings, "(unreachable)"), "warnings: " + messages(warnings));
            assertEquals(204, get(tunnel, "/after"));
        } finally {
            PROXY_FAILURES.removeHandler(handler);
        }
    }

    @Test
    void theAgentPublishesResponseCodesPerBackendWithItsFlags() throws Exception {
        try (FakeCloudWatch cloudWatch = new FakeCloudWatch();
             Tunnel tunnel = Tunnel.start(Map.of(), "-cloudwatch-namespace", NAMESPACE + "/Agent",
                     "-cloudwatch-region", "us-east-1", "-cloudwatch-endpoint", cloudWatch.endpoint().toString(),
                     "-cloudwatch-step", "1s")) {
            tunnel.backend.behave((request, response, recorded) -> response.setStatus(418));
            for (int i = 0; i < 3; i++) {
                assertEquals(418, get(tunnel, "/teapot"));
            }
            Map<String, String> teapots = Map.of("BackendId", "default", "status", "418");
            List<Call> calls = cloudWatch.await(c -> sum(c, "inverting.proxy.agent.requests.count", teapots) >= 3
                            && sum(c, "inverting.proxy.agent.backend.duration.count", Map.of("BackendId", "default")) >= 3,
                    DEADLINE, "the agent's three 418s and backend latency for backend default");
            assertEquals(3.0, sum(calls, "inverting.proxy.agent.requests.count", teapots));
            for (Call call : calls) {
                assertEquals(NAMESPACE + "/Agent", call.body().get("Namespace"));
                for (Map<String, Object> datum : call.metricData()) {
                    String name = (String) datum.get("MetricName");
                    assertTrue(name.startsWith("inverting.proxy.agent.requests.")
                            || name.startsWith("inverting.proxy.agent.backend.duration."), "published " + name);
                }
            }
        }
    }

    static Map<String, String> proxySettings(FakeCloudWatch cloudWatch) {
        return Tunnel.settings("cloudwatch-namespace", NAMESPACE, "cloudwatch-region", "us-east-1",
                "cloudwatch-endpoint", cloudWatch.endpoint().toString(), "cloudwatch-step-seconds", "1");
    }

    private static int get(Tunnel tunnel, String path) throws Exception {
        return tunnel.client.execute(new HttpGet(tunnel.uri(path)), response -> response.getCode());
    }

    /** The sum of the values of one metric's datums whose dimensions include the given ones. */
    static double sum(List<Call> calls, String metricName, Map<String, String> dimensions) {
        double sum = 0;
        for (Call call : calls) {
            for (Map<String, Object> datum : call.metricData()) {
                if (metricName.equals(datum.get("MetricName"))
                        && dimensions(datum).entrySet().containsAll(dimensions.entrySet())) {
                    sum += ((Number) datum.getOrDefault("Value", 0.0)).doubleValue();
                }
            }
        }
        return sum;
    }

    @SuppressWarnings("unchecked")
    static Map<String, String> dimensions(Map<String, Object> datum) {
        Map<String, String> dimensions = new java.util.HashMap<>();
        for (Object dimension : (List<Object>) datum.getOrDefault("Dimensions", List.of())) {
            Map<String, Object> pair = (Map<String, Object>) dimension;
            dimensions.put((String) pair.get("Name"), (String) pair.get("Value"));
        }
        return dimensions;
    }

    private static Handler capture(List<LogRecord> warnings) {
        return new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
    }

    private static long count(List<LogRecord> records, String text) {
        return records.stream().filter(record -> record.getMessage().contains(text)).count();
    }

    private static List<String> messages(List<LogRecord> records) {
        return records.stream().map(LogRecord::getMessage).toList();
    }
}
