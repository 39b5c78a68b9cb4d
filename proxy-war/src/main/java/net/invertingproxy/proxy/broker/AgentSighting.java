package net.invertingproxy.proxy.broker;

import java.time.Instant;

/**
 * One agent as its polls show it, for operators: its key ({@code id:...} for agents that name
 * themselves, {@code address:...} for others such as the Go agent), the address it called from,
 * its {@code User-Agent} (which carries its version) and when it was last seen: its last poll, or
 * the broker's last sweep while a poll of it is held.
 */
public record AgentSighting(String agentKey, String address, String userAgent, Instant lastPoll) {
    // A User-Agent is the caller's text: bounded, so the roster's size stays what MAX_AGENTS says.
    private static final int MAX_USER_AGENT_CHARS = 200;

    /** Bounds the caller-supplied text. */
    public AgentSighting {
        address = address == null ? "-" : address;
        userAgent = userAgent == null ? "-" : userAgent.length() > MAX_USER_AGENT_CHARS
                ? userAgent.substring(0, MAX_USER_AGENT_CHARS) : userAgent;
    }
}
