package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Captures the lines the proxy writes on its Embedded Metric Format logger, each parsed as JSON,
 * and checks a line against the rules of the EMF specification that CloudWatch Logs applies.
 */
final class EmfLog implements AutoCloseable {
    /** The logger the proxy writes EMF lines on, as the README names it. */
    static final String LOGGER = "net.invertingproxy.cloudwatch.emf";
    // The units CloudWatch accepts in a metric definition (StandardUnit).
    private static final Set<String> UNITS = Set.of("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
            "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent",
            "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
            "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
            "Count/Second", "None");

    // Held here: java.util.logging keeps loggers only weakly, and a new one would lose the handler.
    private final Logger logger = Logger.getLogger(LOGGER);
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    EmfLog() {
        logger.addHandler(handler);
    }

    /** Waits until the lines so far, parsed, satisfy the condition; fails with them after the deadline. */
    List<JsonObject> await(Predicate<List<JsonObject>> condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<JsonObject> now = documents();
            if (condition.test(now)) {
                return now;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no EMF lines with " + what + " within " + timeout.toSeconds() + " s: " + lines);
    }

    /** The lines so far, each parsed; a line that is not one JSON object fails the test. */
    List<JsonObject> documents() {
        return lines.stream().map(line -> JsonParser.parseString(line).getAsJsonObject()).toList();
    }

    /** The sum of one metric's values over the lines of one backend (0 where a line lacks it). */
    static double sum(List<JsonObject> documents, String backendId, String metric) {
        return documents.stream()
                .filter(document -> backendId.equals(document.get("BackendId").getAsString()))
                .filter(document -> document.has(metric))
                .mapToDouble(document -> document.get(metric).getAsDouble()).sum();
    }

    /**
     * Checks the rules of the EMF specification: an {@code _aws} member with a millisecond
     * {@code Timestamp} and {@code CloudWatchMetrics} directives, each with a namespace, dimension
     * sets naming string members, and metric definitions naming numeric members, with a valid unit.
     */
    static void assertValidEmf(JsonObject document, String namespace, Set<String> expectedDimensions) {
        JsonObject aws = document.getAsJsonObject("_aws");
        long timestamp = aws.get("Timestamp").getAsLong();
        assertTrue(Math.abs(System.currentTimeMillis() - timestamp) < Duration.ofMinutes(2).toMillis(),
                "Timestamp is not milliseconds since the epoch: " + document);
        JsonArray directives = aws.getAsJsonArray("CloudWatchMetrics");
        assertEquals(1, directives.size(), document.toString());
        JsonObject directive = directives.get(0).getAsJsonObject();
        assertEquals(namespace, directive.get("Namespace").getAsString());
        Set<String> dimensions = new HashSet<>();
        for (JsonElement set : directive.getAsJsonArray("Dimensions")) {
            assertTrue(set.getAsJsonArray().size() <= 30, "a dimension set holds at most 30: " + document);
            for (JsonElement dimension : set.getAsJsonArray()) {
                String name = dimension.getAsString();
                dimensions.add(name);
                assertTrue(document.has(name) && document.get(name).getAsJsonPrimitive().isString(),
                        "dimension " + name + " is not a string member: " + document);
            }
        }
        assertEquals(expectedDimensions, dimensions, document.toString());
        JsonArray metrics = directive.getAsJsonArray("Metrics");
        assertFalse(metrics.isEmpty(), "no metric definitions: " + document);
        assertTrue(metrics.size() <= 100, "a directive holds at most 100 metrics: " + document);
        for (JsonElement element : metrics) {
            JsonObject definition = element.getAsJsonObject();
            String name = definition.get("Name").getAsString();
            assertTrue(document.has(name) && document.get(name).getAsJsonPrimitive().isNumber(),
                    "metric " + name + " is not a numeric member: " + document);
            assertTrue(UNITS.contains(definition.get("Unit").getAsString()), "unit of " + name + ": " + document);
        }
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
