package net.invertingproxy.proxy.metrics.cloudwatch;

import java.util.Map;
import java.util.TreeMap;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * One backend's step as an Embedded Metric Format document: {@code Requests} (all), one
 * {@code Status<code>} count per status seen, and {@code LatencyAverage} and {@code LatencyMax}
 * in milliseconds, under the dimension {@code BackendId}. Statuses are metric names, not a
 * dimension, because one line carries one value per dimension.
 */
final class EmfLine {
    private final String namespace;
    private final String backendId;
    private final Map<String, Double> statusCounts = new TreeMap<>();
    private double requests;
    private long latencyCount;
    private double latencyMean;
    private double latencyMax;

    EmfLine(String namespace, String backendId) {
        this.namespace = namespace;
        this.backendId = backendId;
    }

    void addRequests(String status, double count) {
        requests += count;
        statusCounts.merge("Status" + (status == null ? "none" : status), count, Double::sum);
    }

    void addLatency(long count, double meanMillis, double maxMillis) {
        latencyCount = count;
        latencyMean = meanMillis;
        latencyMax = maxMillis;
    }

    boolean hasTraffic() {
        return requests > 0 || latencyCount > 0;
    }

    String toJson(long timestampMillis) {
        JsonArray metrics = new JsonArray();
        JsonObject document = new JsonObject();
        document.addProperty(PublishedMeters.BACKEND_DIMENSION, backendId);
        metric(document, metrics, "Requests", requests, "Count");
        for (Map.Entry<String, Double> status : statusCounts.entrySet()) {
            metric(document, metrics, status.getKey(), status.getValue(), "Count");
        }
        if (latencyCount > 0) {
            metric(document, metrics, "LatencyAverage", latencyMean, "Milliseconds");
            metric(document, metrics, "LatencyMax", latencyMax, "Milliseconds");
        }
        JsonArray dimensionSet = new JsonArray();
        dimensionSet.add(PublishedMeters.BACKEND_DIMENSION);
        JsonArray dimensions = new JsonArray();
        dimensions.add(dimensionSet);
        JsonObject directive = new JsonObject();
        directive.addProperty("Namespace", namespace);
        directive.add("Dimensions", dimensions);
        directive.add("Metrics", metrics);
        JsonArray directives = new JsonArray();
        directives.add(directive);
        JsonObject aws = new JsonObject();
        aws.addProperty("Timestamp", timestampMillis);
        aws.add("CloudWatchMetrics", directives);
        document.add("_aws", aws);
        return document.toString();
    }

    private static void metric(JsonObject document, JsonArray metrics, String name, double value, String unit) {
        JsonObject definition = new JsonObject();
        definition.addProperty("Name", name);
        definition.addProperty("Unit", unit);
        metrics.add(definition);
        document.addProperty(name, value);
    }
}
