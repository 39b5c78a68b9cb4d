package net.invertingproxy.proxy.cluster;

import java.util.Set;

/**
 * One instance as its last heartbeat described it.
 *
 * @param instanceId the instance's ID, which its request IDs start with
 * @param internalUrl where the other instances reach it, ending in a slash
 * @param backendsWithAgents backends whose agents polled it lately
 * @param draining whether it is stopping: it takes no new work, but still serves the calls naming its requests
 */
public record Member(String instanceId, String internalUrl, Set<String> backendsWithAgents, boolean draining) {
    /** Copies the set. */
    public Member {
        backendsWithAgents = Set.copyOf(backendsWithAgents);
    }
}
