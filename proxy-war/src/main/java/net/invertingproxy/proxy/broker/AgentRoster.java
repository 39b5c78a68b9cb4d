package net.invertingproxy.proxy.broker;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agents seen polling one backend lately, keyed by the agent's own ID header or, for agents
 * that send none (the Go agent), by address. Bounded: beyond its size new agents are not counted.
 */
final class AgentRoster {
    static final int MAX_AGENTS = 10_000;

    private final Map<String, AgentSighting> lastSeen = new ConcurrentHashMap<>();

    /** Notes a poll of the agent; true if the agent was not counted before. */
    boolean seen(String agentKey, Instant now) {
        return seen(new AgentSighting(agentKey, null, null, now));
    }

    /** Notes a poll as {@code sighting} describes it; true if the agent was not counted before. */
    boolean seen(AgentSighting sighting) {
        if (lastSeen.size() < MAX_AGENTS || lastSeen.containsKey(sighting.agentKey())) {
            return lastSeen.put(sighting.agentKey(), sighting) == null;
        }
        return false;
    }

    /** The agents counted, most recent poll first. */
    List<AgentSighting> sightings() {
        List<AgentSighting> all = new ArrayList<>(lastSeen.values());
        all.sort(Comparator.comparing(AgentSighting::lastPoll).reversed());
        return all;
    }

    /** Forgets an agent; true if it was counted. */
    boolean forget(String agentKey) {
        return lastSeen.remove(agentKey) != null;
    }

    /** Counts the agents as seen {@code now}, those not counted (forgotten, or beyond the bound) aside. */
    void stillSeen(Set<String> agentKeys, Instant now) {
        agentKeys.forEach(agentKey -> lastSeen.computeIfPresent(agentKey,
                (key, seen) -> new AgentSighting(key, seen.address(), seen.userAgent(), now)));
    }

    /** Forgets the agents silent since {@code since}; true if any was forgotten. */
    boolean forgetSilentSince(Instant since) {
        return lastSeen.values().removeIf(seen -> seen.lastPoll().isBefore(since));
    }

    int count() {
        return lastSeen.size();
    }
}
