package net.invertingproxy.agent.metrics.cloudwatch;

import java.util.Set;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;

/**
 * Which of the agent's meters go to CloudWatch, and how: only forwarded requests by status and
 * backend latency, since every metric (name and dimensions) costs money there, each with the
 * dimension {@code BackendId} naming the agent's backend (as in the AWS sample). The outcome tag is
 * dropped (statuses suffice), and latency goes as count, sum, average and maximum, without the
 * Prometheus histogram's buckets.
 */
final class PublishedMeters {
    /** The dimension naming the backend. */
    static final String BACKEND_DIMENSION = "BackendId";
    /** The meters published. */
    static final Set<String> NAMES = Set.of("inverting.proxy.agent.requests", "inverting.proxy.agent.backend.duration");

    private PublishedMeters() {
    }

    /** Adds the filters to a registry before any meter is registered with it. */
    static void applyTo(MeterRegistry.Config config, String backendId) {
        config.meterFilter(MeterFilter.ignoreTags("outcome"))
                .meterFilter(MeterFilter.commonTags(Tags.of(BACKEND_DIMENSION, backendId)))
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
