package net.invertingproxy.proxy.metrics;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.micrometer.core.instrument.Clock;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.observe.ExchangeListener;
import net.invertingproxy.proxy.observe.ExchangeSummary;

/**
 * Every meter of the proxy in one Prometheus registry: client requests by backend, status and
 * outcome; client and backend latency histograms; bytes in and out; polls; and gauges of parked
 * exchanges, queued requests, held polls and connected agents, plus the JVM's own meters.
 * Tags take only bounded values (backend IDs, status codes, outcomes), never paths. The same meters
 * can also feed other registries (CloudWatch), whose own filters choose what they keep.
 */
public final class ProxyMeters implements ExchangeListener, AutoCloseable {
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final CompositeMeterRegistry registry;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Set<String> gaugedBackends = new HashSet<>();
    private final Broker<?> broker;

    /** Meters for the given broker's backends, scraped by Prometheus only. */
    public ProxyMeters(Broker<?> broker) {
        this(broker, List.of());
    }

    /**
     * Meters for the given broker's backends, scraped by Prometheus and fed to the other registries
     * too, which are closed with these meters.
     */
    public ProxyMeters(Broker<?> broker, List<MeterRegistry> publishers) {
        // Every child is there before the first meter: one added later would miss the meters before it.
        registry = new CompositeMeterRegistry(Clock.SYSTEM, List.of(prometheus));
        publishers.forEach(registry::add);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Gauge.builder("inverting.proxy.exchanges", broker, Broker::exchangeCount)
                .description("client requests parked or streaming").register(registry);
        this.broker = broker;
    }

    // Backends come and go at run time; their gauges follow at each scrape, when they are read anyway.
    private synchronized void syncBackendGauges() {
        Set<String> current = broker.backendIds();
        for (String backendId : current) {
            if (gaugedBackends.add(backendId)) {
                registerBackendGauges(backendId);
            }
        }
        for (String gone : Set.copyOf(gaugedBackends)) {
            if (!current.contains(gone)) {
                gaugedBackends.remove(gone);
                registry.getMeters().stream()
                        .filter(meter -> meter instanceof Gauge && gone.equals(meter.getId().getTag("backend")))
                        .forEach(registry::remove);
            }
        }
    }

    private void registerBackendGauges(String backendId) {
        Gauge.builder("inverting.proxy.queued.requests", broker, b -> b.queuedCount(backendId))
                .description("client requests waiting for an agent to take them").tag("backend", backendId)
                .register(registry);
        Gauge.builder("inverting.proxy.held.polls", broker, b -> b.waitingPollCount(backendId))
                .description("agent polls held open").tag("backend", backendId).register(registry);
        Gauge.builder("inverting.proxy.agents.connected", broker, b -> b.connectedAgentCount(backendId))
                .description("agents that polled within agent-offline-after-seconds").tag("backend", backendId)
                .register(registry);
    }

    @Override
    public void exchangeEnded(ExchangeSummary summary) {
        String backend = summary.backendId();
        Counter.builder("inverting.proxy.client.requests")
                .description("client requests by how they ended")
                .tags("backend", backend, "status", Integer.toString(summary.status()),
                        "outcome", summary.outcome().name())
                .register(registry).increment();
        Timer.builder("inverting.proxy.client.duration")
                .description("from a client request's arrival until its response ended")
                .tag("backend", backend).publishPercentileHistogram()
                .register(registry).record(summary.total());
        if (summary.backendTime() != null) {
            Timer.builder("inverting.proxy.backend.duration")
                    .description("from the agent having the whole request until it started the response")
                    .tag("backend", backend).publishPercentileHistogram()
                    .register(registry).record(summary.backendTime());
        }
        Counter.builder("inverting.proxy.client.bytes.in").baseUnit("bytes")
                .description("request body bytes read from clients").tag("backend", backend)
                .register(registry).increment(summary.bytesIn());
        Counter.builder("inverting.proxy.client.bytes.out").baseUnit("bytes")
                .description("response body bytes written to clients").tag("backend", backend)
                .register(registry).increment(summary.bytesOut());
    }

    /** Counts a poll answered with this many request IDs. */
    public void pollAnswered(String backendId, int requestIds) {
        polls(backendId, requestIds > 0 ? "work" : "empty").increment();
    }

    /** Counts a poll refused (unknown backend, too many polls, draining). */
    public void pollRefused(String backendId) {
        polls(backendId, "refused").increment();
    }

    /**
     * Counts an agent call naming another instance's request, by outcome: {@code relayed} (streamed
     * to its home), {@code gone} (the home left the cluster) or {@code unreachable}.
     */
    public void clusterCallRelayed(String outcome) {
        Counter.builder("inverting.proxy.cluster.relayed.calls")
                .description("agent calls naming a request of another instance, by outcome")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        syncBackendGauges();
        return prometheus.scrape();
    }

    private Counter polls(String backendId, String result) {
        return Counter.builder("inverting.proxy.polls").description("agent polls by how they were answered")
                .tags("backend", backendId, "result", result).register(registry);
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
