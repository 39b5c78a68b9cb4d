package net.invertingproxy.proxy.metrics.cloudwatch;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.step.StepMeterRegistry;
import io.micrometer.core.instrument.step.StepRegistryConfig;

/**
 * Writes each step's per-backend meters as one Embedded Metric Format JSON line per backend with
 * traffic, at INFO on the logger {@value #LOGGER}, for the CloudWatch agent (or Lambda's log
 * pipeline) to turn into metrics: no API call and no {@code cloudwatch:PutMetricData} permission.
 */
final class EmbeddedMetricFormatRegistry extends StepMeterRegistry {
    /** The logger the lines go to; route it to a file of its own that the CloudWatch agent reads. */
    static final String LOGGER = "net.invertingproxy.cloudwatch.emf";
    private static final System.Logger EMF = System.getLogger(LOGGER);

    private final String namespace;

    EmbeddedMetricFormatRegistry(String namespace, Duration step, Clock clock, ThreadFactory threadFactory) {
        super(config(step), clock);
        this.namespace = namespace;
        start(threadFactory);
    }

    private static StepRegistryConfig config(Duration step) {
        return new StepRegistryConfig() {
            @Override
            public String prefix() {
                return "emf";
            }

            @Override
            public String get(String key) {
                return null;
            }

            @Override
            public Duration step() {
                return step;
            }
        };
    }

    @Override
    protected void publish() {
        Map<String, EmfLine> lines = new TreeMap<>();
        for (Meter meter : getMeters()) {
            String backend = meter.getId().getTag(PublishedMeters.BACKEND_DIMENSION);
            if (backend == null) {
                continue;
            }
            EmfLine line = lines.computeIfAbsent(backend, id -> new EmfLine(namespace, id));
            if (meter instanceof Counter counter) {
                line.addRequests(meter.getId().getTag("status"), counter.count());
            } else if (meter instanceof Timer timer) {
                line.addLatency(timer.count(), timer.mean(TimeUnit.MILLISECONDS), timer.max(TimeUnit.MILLISECONDS));
            }
        }
        long timestamp = clock.wallTime();
        for (EmfLine line : lines.values()) {
            if (line.hasTraffic()) {
                EMF.log(Level.INFO, line.toJson(timestamp));
            }
        }
    }

    @Override
    protected TimeUnit getBaseTimeUnit() {
        return TimeUnit.MILLISECONDS;
    }
}
