package net.invertingproxy.proxy.dashboard;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import net.invertingproxy.proxy.broker.AgentSighting;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.BackendRegistry;
import net.invertingproxy.proxy.registry.Inspection;
import net.invertingproxy.proxy.registry.Route;

/** What the dashboard shows at one moment: every backend with its routes, agents, queues and traffic. */
public final class DashboardOverview {
    private final BackendRegistry registry;
    private final Broker<?> broker;
    private final BackendTraffic traffic;
    private final Clock clock;

    /** An overview of what these hold. */
    public DashboardOverview(BackendRegistry registry, Broker<?> broker, BackendTraffic traffic, Clock clock) {
        this.registry = registry;
        this.broker = broker;
        this.traffic = traffic;
        this.clock = clock;
    }

    /** One connected agent: its ID (or address, for agents that send none), address, User-Agent and last poll. */
    public record AgentRow(String id, String address, String userAgent, Instant lastPoll) {
    }

    /**
     * One backend.
     *
     * @param parked requests waiting for an agent
     * @param inFlight requests an agent took that are not answered yet
     * @param waitingPolls agents' polls held open for work
     */
    public record BackendRow(String id, List<String> routes, List<AgentRow> agents, int parked, int inFlight,
                             int waitingPolls, BackendTraffic.Figures traffic, Inspection inspector) {
    }

    /** The whole page's data. */
    public record Overview(Instant generatedAt, boolean accepting, int exchanges, List<BackendRow> backends) {
    }

    /** The overview now. */
    public Overview now() {
        Map<String, Integer> exchanges = broker.exchangeCountsByBackend();
        List<BackendRow> rows = new ArrayList<>();
        int total = 0;
        for (Backend backend : registry.all()) {
            int parked = broker.queuedCount(backend.id());
            int ofBackend = exchanges.getOrDefault(backend.id(), 0);
            total += ofBackend;
            rows.add(new BackendRow(backend.id(), backend.routes().stream().map(DashboardOverview::describe).toList(),
                    broker.agents(backend.id()).stream().map(DashboardOverview::row).toList(), parked,
                    Math.max(0, ofBackend - parked), broker.waitingPollCount(backend.id()),
                    traffic.figures(backend.id()), backend.inspector()));
        }
        return new Overview(clock.instant(), broker.isAccepting(), total, rows);
    }

    private static AgentRow row(AgentSighting sighting) {
        String key = sighting.agentKey();
        return new AgentRow(key.substring(key.indexOf(':') + 1), sighting.address(), sighting.userAgent(),
                sighting.lastPoll());
    }

    // As an operator writes it: host (any if none), then the path prefix; "(stripped)" if the backend does not see it.
    private static String describe(Route route) {
        return (route.host() == null ? "*" : route.host()) + route.pathPrefix() + (route.stripPrefix() ? " (stripped)" : "");
    }
}
