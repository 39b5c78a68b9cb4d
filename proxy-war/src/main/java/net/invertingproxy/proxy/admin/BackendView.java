package net.invertingproxy.proxy.admin;

import java.time.Instant;
import java.util.List;

import net.invertingproxy.proxy.registry.AccessMode;
import net.invertingproxy.proxy.registry.AwsIdentity;
import net.invertingproxy.proxy.registry.Inspection;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.EndUserAccess;
import net.invertingproxy.proxy.registry.LegacyAgents;
import net.invertingproxy.proxy.registry.Limits;
import net.invertingproxy.proxy.registry.Route;

/**
 * A backend as the admin API shows it: everything but the hashes, plus the output-only fields
 * {@code lastUsed} (last client request since the proxy started) and {@code connectedAgents}.
 */
record BackendView(String id, List<Route> routes, List<AgentCredentialView> agentCredentials,
                   LegacyAgents legacyAgents, AccessView access, Limits limits, Instant created, Instant updated,
                   Instant lastUsed, int connectedAgents, AwsIdentity awsIdentity, Inspection inspector) {
    /** An agent credential by its public key ID; its secret is never shown again. */
    record AgentCredentialView(String keyId, Instant created) {
    }

    /** An API key by user and public key ID. */
    record ApiKeyView(String user, String keyId) {
    }

    /** The access policy without secrets. */
    record AccessView(AccessMode mode, String apiKeyHeader, List<ApiKeyView> apiKeys, List<String> basicUsers,
                      String albArn, List<String> allowedAddresses) {
    }

    static BackendView of(Backend backend, Instant lastUsed, int connectedAgents) {
        EndUserAccess access = backend.access();
        return new BackendView(backend.id(), backend.routes(),
                backend.agentKeys().stream().map(key -> new AgentCredentialView(key.keyId(), key.created())).toList(),
                backend.legacyAgents(),
                new AccessView(access.mode(), access.apiKeyHeader(),
                        access.apiKeys().stream().map(key -> new ApiKeyView(key.user(), key.keyId())).toList(),
                        access.basicUsers().stream().map(user -> user.user()).toList(),
                        access.albArn(), access.allowedAddresses()),
                backend.limits(), backend.created(), backend.updated(), lastUsed, connectedAgents,
                backend.awsIdentity(), backend.inspector());
    }
}
