package net.invertingproxy.proxy.metrics.cloudwatch;

import java.util.Set;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;

/**
 * Which of the proxy's meters go to CloudWatch, and how: only client requests by backend and status
 * and client latency by backend, since every metric (name and dimensions) costs money there. The
 * backend tag becomes the dimension {@code BackendId} (as in the AWS sample), the outcome tag is
 * dropped (statuses suffice), and latency goes as count, sum, average and maximum, without the
 * Prometheus histogram's buckets.
 */
final class PublishedMeters {
    /** The dimension naming the backend. */
    static final String BACKEND_DIMENSION = "BackendId";
    /** The meters published. */
    static final Set<String> NAMES = Set.of("inverting.proxy.client.requests", "inverting.proxy.client.duration");

    private PublishedMeters() {
    }

    /** Adds the filters to a registry before any meter is registered with it. */
    static void applyTo(MeterRegistry.Config config) {
        config.meterFilter(MeterFilter.ignoreTags("outcome"))
                .meterFilter(MeterFilter.renameTag("inverting.proxy", "backend", BACKEND_DIMENSION))
                .meterFilter(new MeterFilter() {
                    @Override
                    public MeterFilterReply accept(Meter.Id id) {
                        return NAMES.contains(id.getName()) ? MeterFilterReply.ACCEPT : MeterFilterReply.DENY;
                    }

                    @Override
                    public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                        return DistributionStatisticConfig.builder().percentilesHistogram(false).build().merge(config);
                    }
                });
    }
}
