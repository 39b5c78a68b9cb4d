package net.invertingproxy.proxy.registry;

import java.util.List;

/**
 * Whether agents that send no credential (the unchanged Go agent) may serve the backend, and from
 * which source address ranges (CIDR; empty means any). Off unless a backend opts in.
 */
public record LegacyAgents(boolean allowed, List<String> sourceRanges) {
    /** Legacy agents refused. */
    public static final LegacyAgents REFUSED = new LegacyAgents(false, List.of());

    /** Copies the ranges, checking each is CIDR notation. */
    public LegacyAgents {
        sourceRanges = sourceRanges == null ? List.of() : List.copyOf(sourceRanges);
        sourceRanges.forEach(range -> AddressRanges.check(range, "legacyAgents.sourceRanges"));
    }
}
