package net.invertingproxy.agent.metrics;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

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

import net.invertingproxy.agent.forward.ExchangeListener;
import net.invertingproxy.agent.forward.ExchangeOutcome;
import net.invertingproxy.agent.poll.PollListener;

/**
 * Every meter of the agent in one Prometheus registry: requests forwarded by status and outcome,
 * backend latency, requests in flight, polls and reconnects to the proxy, backend health, and the
 * JVM's own meters. Tags take only bounded values (status codes, outcomes), never paths. The same
 * meters can also feed other registries (CloudWatch), whose own filters choose what they keep.
 */
public final class AgentMeters implements ExchangeListener, PollListener, AutoCloseable {
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final CompositeMeterRegistry registry;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Timer backendLatency;
    private final Counter pollFailures;
    private final Counter reconnects;

    /** Meters whose gauges read the agent's requests in flight and backend health when scraped. */
    public AgentMeters(IntSupplier inFlight, BooleanSupplier backendHealthy) {
        this(inFlight, backendHealthy, List.of());
    }

    /** As {@link #AgentMeters(IntSupplier, BooleanSupplier)}, also feeding the other registries, which are closed with these meters. */
    public AgentMeters(IntSupplier inFlight, BooleanSupplier backendHealthy, List<MeterRegistry> publishers) {
        // Every child is there before the first meter: one added later would miss the meters before it.
        registry = new CompositeMeterRegistry(Clock.SYSTEM, List.of(prometheus));
        publishers.forEach(registry::add);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        // Gauges hold their state weakly by default; these suppliers are referenced nowhere else.
        Gauge.builder("inverting.proxy.agent.in.flight", inFlight, IntSupplier::getAsInt)
                .description("requests being forwarded, whether moving bytes or waiting for the backend")
                .strongReference(true).register(registry);
        Gauge.builder("inverting.proxy.agent.backend.healthy", backendHealthy, b -> b.getAsBoolean() ? 1 : 0)
                .description("1 while the agent polls (health checks off or passing), 0 before the backend first passes one"
                        + " and while it is unhealthy")
                .strongReference(true).register(registry);
        backendLatency = Timer.builder("inverting.proxy.agent.backend.duration")
                .description("from sending a request to the backend until its response head arrived")
                .publishPercentileHistogram().register(registry);
        pollFailures = Counter.builder("inverting.proxy.agent.poll.failures")
                .description("polls that failed: proxy unreachable or a bad answer").register(registry);
        reconnects = Counter.builder("inverting.proxy.agent.reconnects")
                .description("times polling resumed after the proxy had been unreachable").register(registry);
    }

    @Override
    public void backendAnswered(Duration latency) {
        backendLatency.record(latency);
    }

    @Override
    public void exchangeEnded(ExchangeOutcome outcome, int status) {
        Counter.builder("inverting.proxy.agent.requests")
                .description("requests forwarded, by the status posted to the proxy (none if nothing was) and outcome")
                .tags("status", status == 0 ? "none" : Integer.toString(status), "outcome", outcome.label())
                .register(registry).increment();
    }

    @Override
    public void pollAnswered(int requestIds) {
        Counter.builder("inverting.proxy.agent.polls").description("polls the proxy answered, with work or empty")
                .tag("result", requestIds > 0 ? "work" : "empty").register(registry).increment();
    }

    @Override
    public void pollFailed() {
        pollFailures.increment();
    }

    @Override
    public void reconnected() {
        reconnects.increment();
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return prometheus.scrape();
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
