package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;

/**
 * With {@code cloudwatch-emf=true} the proxy writes each step's per-backend meters as Embedded
 * Metric Format lines on its EMF logger, with traffic through the real tunnel, and calls no
 * CloudWatch API: the endpoint is a fake that records every call, which {@link CloudWatchPublishingTest}
 * shows receiving them with the same settings in API mode.
 */
class CloudWatchEmbeddedMetricFormatTest {
    private static final String NAMESPACE = "InvertingProxy/Emf";
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @Test
    void eachStepIsAValidEmfLinePerBackendCountingTheRequestsAndNoApiIsCalled() throws Exception {
        try (FakeCloudWatch cloudWatch = new FakeCloudWatch(); EmfLog emf = new EmfLog();
             Tunnel tunnel = Tunnel.start(Tunnel.settings("cloudwatch-namespace", NAMESPACE,
                     "cloudwatch-region", "us-east-1", "cloudwatch-endpoint", cloudWatch.endpoint().toString(),
                     "cloudwatch-step-seconds", "1", "cloudwatch-emf", "true"))) {
            // Statuses of their own: the tunnel's start-up probes (204) are counted too.
            tunnel.backend.behave((request, response, recorded) ->
                    response.setStatus(request.getRequestURI().endsWith("/created") ? 201 : 418));
            assertEquals(418, get(tunnel, "/teapot"));
            assertEquals(418, get(tunnel, "/teapot"));
            assertEquals(201, get(tunnel, "/created"));

            List<JsonObject> lines = emf.await(d -> EmfLog.sum(d, "default", "Status418") >= 2
                    && EmfLog.sum(d, "default", "Status201") >= 1, DEADLINE, "two 418s and one 201");
            assertEquals(2.0, EmfLog.sum(lines, "default", "Status418"));
            assertEquals(1.0, EmfLog.sum(lines, "default", "Status201"));
            for (JsonObject line : lines) {
                EmfLog.assertValidEmf(line, NAMESPACE, Set.of("BackendId"));
                assertEquals("default", line.get("BackendId").getAsString());
                assertEquals(statusSum(line), line.get("Requests").getAsDouble(), "Requests is every status: " + line);
                // Every line has traffic. A request is counted, then timed: a step may end between
                // the two, so its time shows in the next step's line, and a line may have none.
                assertTrue(line.get("Requests").getAsDouble() > 0, line.toString());
                if (line.has("LatencyAverage")) {
                    assertTrue(line.get("LatencyAverage").getAsDouble() > 0, line.toString());
                    assertTrue(line.get("LatencyMax").getAsDouble() >= line.get("LatencyAverage").getAsDouble(),
                            line.toString());
                }
            }
            assertTrue(lines.stream().anyMatch(line -> line.has("LatencyAverage")), "no line timed a request: " + lines);

            // A request sent after those lines shows up a step later: by then an API publication of
            // the same steps would have reached the fake.
            assertEquals(418, get(tunnel, "/teapot"));
            emf.await(d -> EmfLog.sum(d, "default", "Status418") >= 3, DEADLINE, "the third 418");
            assertEquals(List.of(), cloudWatch.calls());
        }
    }

    private static double statusSum(JsonObject line) {
        return line.keySet().stream().filter(key -> key.matches("Status\\d+"))
                .mapToDouble(key -> line.get(key).getAsDouble()).sum();
    }

    private static int get(Tunnel tunnel, String path) throws Exception {
        return tunnel.client.execute(new HttpGet(tunnel.uri(path)), response -> response.getCode());
    }
}
