package net.invertingproxy.proxy.admin;

import java.util.List;

import net.invertingproxy.proxy.registry.AccessMode;
import net.invertingproxy.proxy.registry.AwsIdentity;
import net.invertingproxy.proxy.registry.Inspection;
import net.invertingproxy.proxy.registry.LegacyAgents;
import net.invertingproxy.proxy.registry.Limits;
import net.invertingproxy.proxy.registry.Route;

/**
 * What an admin sends to create or change a backend. Secrets are never sent: the proxy issues an
 * agent credential, an API key per {@code apiKeyUsers} name and a password per {@code basicUsers}
 * name, and shows each once.
 */
record BackendSpec(String id, List<Route> routes, LegacyAgents legacyAgents, AccessSpec access, Limits limits,
                   AwsIdentity awsIdentity, Inspection inspector) {
    /** Who may use the backend, as an admin writes it; no mode means public. */
    record AccessSpec(AccessMode mode, String apiKeyHeader, List<String> apiKeyUsers, List<String> basicUsers,
                      String albArn, List<String> allowedAddresses) {
    }
}
