package net.invertingproxy.proxy.registry;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One backend as stored: its ID (what agents name in every call), the routes that send client
 * requests to it, its agent credentials (at most two, so one can be rolled while the other still
 * works), whether credential-less legacy agents may serve it, who may use it, its limits and
 * whether agents may (or must) prove an AWS identity instead ({@code awsIdentity}; null: off), and
 * what the request inspector keeps of its exchanges ({@code inspector}; null: heads only).
 */
public record Backend(String id, List<Route> routes, List<AgentKey> agentKeys, LegacyAgents legacyAgents,
                      EndUserAccess access, Limits limits, Instant created, Instant updated,
                      AwsIdentity awsIdentity, Inspection inspector) {
    /** Two at once is what a rolling credential change needs, and no more. */
    public static final int MAX_AGENT_KEYS = 2;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** Fills defaults, copies lists and checks every rule. */
    public Backend {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new InvalidBackendException("id must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit,"
                    + " got \"" + id + "\"");
        }
        routes = routes == null ? List.of() : List.copyOf(routes);
        if (routes.isEmpty()) {
            throw new InvalidBackendException("routes must name at least one route (host and/or pathPrefix)");
        }
        agentKeys = agentKeys == null ? List.of() : List.copyOf(agentKeys);
        if (agentKeys.size() > MAX_AGENT_KEYS) {
            throw new InvalidBackendException("a backend has at most " + MAX_AGENT_KEYS + " agent credentials");
        }
        legacyAgents = legacyAgents == null ? LegacyAgents.REFUSED : legacyAgents;
        access = access == null ? EndUserAccess.PUBLIC : access;
        limits = limits == null ? Limits.NONE : limits;
        inspector = inspector == null ? Inspection.HEADS_ONLY : inspector;
        Objects.requireNonNull(created, "created");
        updated = updated == null ? created : updated;
        // Legacy agents send nothing at all: they cannot be AWS-verified ones.
        if (awsIdentity != null && awsIdentity.required() && legacyAgents.allowed()) {
            throw new InvalidBackendException("awsIdentity.required and legacyAgents.allowed exclude each other:"
                    + " agents without a credential prove no AWS identity");
        }
    }

    /** A backend whose agents do not log in with an AWS identity. */
    public Backend(String id, List<Route> routes, List<AgentKey> agentKeys, LegacyAgents legacyAgents,
                   EndUserAccess access, Limits limits, Instant created, Instant updated) {
        this(id, routes, agentKeys, legacyAgents, access, limits, created, updated, null, null);
    }

    /** A backend whose exchanges the inspector keeps as by default. */
    public Backend(String id, List<Route> routes, List<AgentKey> agentKeys, LegacyAgents legacyAgents,
                   EndUserAccess access, Limits limits, Instant created, Instant updated, AwsIdentity awsIdentity) {
        this(id, routes, agentKeys, legacyAgents, access, limits, created, updated, awsIdentity, null);
    }

    /** Whether agents may log in with an AWS identity. */
    public boolean acceptsAwsIdentity() {
        return awsIdentity != null;
    }
}
