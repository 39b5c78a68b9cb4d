package net.invertingproxy.proxy.broker;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agents seen polling one backend lately, keyed by the agent's own ID header or, for agents
 * that send none (the Go agent), by address. Bounded: beyond its size new agents are not counted.
 */
final class AgentRoster {
    static final int MAX_AGENTS = 10_000;

    private final Map<String, Instant> lastSeen = new ConcurrentHashMap<>();

    void seen(String agentKey, Instant now) {
        if (lastSeen.size() < MAX_AGENTS || lastSeen.containsKey(agentKey)) {
            lastSeen.put(agentKey, now);
        }
    }

    void forget(String agentKey) {
        lastSeen.remove(agentKey);
    }

    void forgetSilentSince(Instant since) {
        lastSeen.values().removeIf(seen -> seen.isBefore(since));
    }

    int count() {
        return lastSeen.size();
    }
}
