package net.invertingproxy.proxy.broker;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agents seen polling one backend lately, keyed by the agent's own ID header or, for agents
 * that send none (the Go agent), by address. Bounded: beyond its size new agents are not counted.
 */
final class AgentRoster {
    static final int MAX_AGENTS = 10_000;

    private final Map<String, Instant> lastSeen = new ConcurrentHashMap<>();

    /** Notes a poll of the agent; true if the agent was not counted before. */
    boolean seen(String agentKey, Instant now) {
        if (lastSeen.size() < MAX_AGENTS || lastSeen.containsKey(agentKey)) {
            return lastSeen.put(agentKey, now) == null;
        }
        return false;
    }

    /** Forgets an agent; true if it was counted. */
    boolean forget(String agentKey) {
        return lastSeen.remove(agentKey) != null;
    }

    /** Counts the agents as seen {@code now}, those not counted (forgotten, or beyond the bound) aside. */
    void stillSeen(Set<String> agentKeys, Instant now) {
        agentKeys.forEach(agentKey -> lastSeen.computeIfPresent(agentKey, (key, seen) -> now));
    }

    /** Forgets the agents silent since {@code since}; true if any was forgotten. */
    boolean forgetSilentSince(Instant since) {
        return lastSeen.values().removeIf(seen -> seen.isBefore(since));
    }

    int count() {
        return lastSeen.size();
    }
}
