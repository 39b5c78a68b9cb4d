package net.invertingproxy.proxy.admin;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import net.invertingproxy.proxy.credential.IssuedSecret;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.registry.AgentKey;
import net.invertingproxy.proxy.registry.ApiKey;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.BackendRegistry;
import net.invertingproxy.proxy.registry.BasicUser;
import net.invertingproxy.proxy.registry.EndUserAccess;
import net.invertingproxy.proxy.registry.InvalidBackendException;
import net.invertingproxy.proxy.registry.RegistryConflictException;
import net.invertingproxy.proxy.registry.RegistryUnavailableException;
import net.invertingproxy.proxy.credential.SecretHash;

/**
 * What the admin API does, apart from HTTP: turns specs into stored backends, issues their secrets
 * (shown once in the answer, stored only as hashes) and answers with JSON. A change keeps the
 * secrets of users it still names and issues new ones only for new names.
 */
public final class BackendAdmin {
    private final BackendRegistry registry;
    private final Clock clock;
    private final ToIntFunction<String> connectedAgents;
    private final Function<String, Instant> lastUsed;

    /** An admin of {@code registry}; the two functions give each backend's output-only fields. */
    public BackendAdmin(BackendRegistry registry, Clock clock, ToIntFunction<String> connectedAgents,
                        Function<String, Instant> lastUsed) {
        this.registry = registry;
        this.clock = clock;
        this.connectedAgents = connectedAgents;
        this.lastUsed = lastUsed;
    }

    /** Every backend, as a JSON array. */
    public String list() {
        return AdminJson.write(registry.all().stream().map(this::view).toList());
    }

    /** One backend as JSON. */
    public String get(String id) throws FailureException {
        return AdminJson.write(view(existing(id)));
    }

    /** Creates a backend from a JSON spec; answers it with the secrets issued for it. */
    public String create(String json) throws FailureException {
        BackendSpec spec = parse(json);
        if (spec.id() == null) {
            throw new FailureException(Failure.BAD_ADMIN_REQUEST, "id is required");
        }
        Instant now = clock.instant();
        IssuedSecret agentSecret = IssuedSecret.generate(IssuedSecret.AGENT);
        Map<String, String> apiKeys = new LinkedHashMap<>();
        Map<String, String> passwords = new LinkedHashMap<>();
        Backend backend = build(spec, spec.id(), List.of(new AgentKey(agentSecret.keyId(), agentSecret.hash(), now)),
                EndUserAccess.PUBLIC, now, now, apiKeys, passwords);
        try {
            registry.create(backend);
        } catch (RegistryConflictException e) {
            throw new FailureException(Failure.REGISTRY_CONFLICT, e.getMessage());
        } catch (RegistryUnavailableException e) {
            throw unavailable(e);
        } catch (IOException e) {
            throw writeFailed(e);
        }
        warnIfLegacy(backend);
        return AdminJson.write(new Answer(view(backend), new IssuedSecrets(agentSecret.token(), apiKeys, passwords)));
    }

    // Credential-less agents are a deliberate opening: it must show in the log whenever it is made.
    private static void warnIfLegacy(Backend backend) {
        if (backend.legacyAgents().allowed()) {
            System.getLogger(BackendAdmin.class.getName()).log(System.Logger.Level.WARNING,
                    "backend ''{0}'' accepts agents without a credential (legacy agents) from {1}", backend.id(),
                    backend.legacyAgents().sourceRanges().isEmpty()
                            ? "any address" : String.join(", ", backend.legacyAgents().sourceRanges()));
        }
    }

    /** Replaces a backend's spec; its agent credentials stay; answers with any secrets newly issued. */
    public String update(String id, String json) throws FailureException {
        BackendSpec spec = parse(json);
        if (spec.id() != null && !spec.id().equals(id)) {
            throw new FailureException(Failure.BAD_ADMIN_REQUEST, "id cannot be changed (the body names \""
                    + spec.id() + "\")");
        }
        Backend current = existing(id);
        Map<String, String> apiKeys = new LinkedHashMap<>();
        Map<String, String> passwords = new LinkedHashMap<>();
        Backend backend = build(spec, id, current.agentKeys(), current.access(), current.created(), clock.instant(),
                apiKeys, passwords);
        store(backend);
        warnIfLegacy(backend);
        return AdminJson.write(new Answer(view(backend), new IssuedSecrets(null, apiKeys, passwords)));
    }

    /** Deletes a backend; its waiting requests are answered and its agents refused from then on. */
    public void delete(String id) throws FailureException {
        try {
            if (!registry.delete(id)) {
                throw new FailureException(Failure.NO_SUCH_BACKEND, "no backend '" + id + "'");
            }
        } catch (RegistryUnavailableException e) {
            throw unavailable(e);
        } catch (IOException e) {
            throw writeFailed(e);
        }
    }

    /** Issues a second agent credential for rolling the first; fails if the backend has two already. */
    public String addAgentCredential(String id) throws FailureException {
        Backend current = existing(id);
        if (current.agentKeys().size() >= Backend.MAX_AGENT_KEYS) {
            throw new FailureException(Failure.REGISTRY_CONFLICT, "backend '" + id + "' has "
                    + Backend.MAX_AGENT_KEYS + " agent credentials already; delete the old one first");
        }
        IssuedSecret secret = IssuedSecret.generate(IssuedSecret.AGENT);
        List<AgentKey> keys = new ArrayList<>(current.agentKeys());
        keys.add(new AgentKey(secret.keyId(), secret.hash(), clock.instant()));
        store(withAgentKeys(current, keys));
        return AdminJson.write(new IssuedAgentCredential(secret.keyId(), secret.token()));
    }

    /** Withdraws an agent credential: calls carrying it are refused from now on. */
    public void removeAgentCredential(String id, String keyId) throws FailureException {
        Backend current = existing(id);
        List<AgentKey> keys = new ArrayList<>(current.agentKeys());
        if (!keys.removeIf(key -> key.keyId().equals(keyId))) {
            throw new FailureException(Failure.NO_SUCH_BACKEND, "backend '" + id + "' has no agent credential " + keyId);
        }
        store(withAgentKeys(current, keys));
    }

    /** The answer to a create or change: the backend and what was issued. */
    private record Answer(BackendView backend, IssuedSecrets secrets) {
    }

    /** The answer to issuing an agent credential. */
    private record IssuedAgentCredential(String keyId, String agentCredential) {
    }

    private Backend build(BackendSpec spec, String id, List<AgentKey> agentKeys, EndUserAccess previous,
                          Instant created, Instant updated, Map<String, String> apiKeys, Map<String, String> passwords)
            throws FailureException {
        try {
            return new Backend(id, spec.routes(), agentKeys, spec.legacyAgents(),
                    access(spec.access(), previous, apiKeys, passwords), spec.limits(), created, updated,
                    spec.awsIdentity(), spec.inspector());
        } catch (InvalidBackendException | NullPointerException e) {
            throw new FailureException(Failure.BAD_ADMIN_REQUEST, e.getMessage());
        }
    }

    private static EndUserAccess access(BackendSpec.AccessSpec spec, EndUserAccess previous,
                                        Map<String, String> apiKeys, Map<String, String> passwords) {
        if (spec == null) {
            return EndUserAccess.PUBLIC;
        }
        List<ApiKey> keys = new ArrayList<>();
        for (String user : orEmpty(spec.apiKeyUsers())) {
            ApiKey kept = previous.apiKeys().stream().filter(key -> key.user().equals(user)).findFirst().orElse(null);
            if (kept != null) {
                keys.add(kept);
            } else {
                IssuedSecret secret = IssuedSecret.generate(IssuedSecret.API_KEY);
                keys.add(new ApiKey(user, secret.keyId(), secret.hash()));
                apiKeys.put(user, secret.token());
            }
        }
        List<BasicUser> users = new ArrayList<>();
        for (String user : orEmpty(spec.basicUsers())) {
            BasicUser kept = previous.basicUsers().stream().filter(u -> u.user().equals(user)).findFirst().orElse(null);
            if (kept != null) {
                users.add(kept);
            } else {
                String password = IssuedSecret.generatePassword();
                users.add(new BasicUser(user, SecretHash.of(password)));
                passwords.put(user, password);
            }
        }
        return new EndUserAccess(spec.mode(), spec.apiKeyHeader(), keys, users, spec.albArn(), spec.allowedAddresses());
    }

    private static List<String> orEmpty(List<String> names) {
        return names == null ? List.of() : names;
    }

    private Backend withAgentKeys(Backend current, List<AgentKey> keys) {
        return new Backend(current.id(), current.routes(), keys, current.legacyAgents(), current.access(),
                current.limits(), current.created(), clock.instant(), current.awsIdentity(), current.inspector());
    }

    private void store(Backend backend) throws FailureException {
        try {
            registry.replace(backend);
        } catch (RegistryConflictException e) {
            throw new FailureException(Failure.REGISTRY_CONFLICT, e.getMessage());
        } catch (RegistryUnavailableException e) {
            throw unavailable(e);
        } catch (IOException e) {
            throw writeFailed(e);
        }
    }

    private Backend existing(String id) throws FailureException {
        return registry.get(id).orElseThrow(() -> new FailureException(Failure.NO_SUCH_BACKEND, "no backend '" + id + "'"));
    }

    private static BackendSpec parse(String json) throws FailureException {
        try {
            return AdminJson.read(json, BackendSpec.class);
        } catch (InvalidBodyException e) {
            throw new FailureException(Failure.BAD_ADMIN_REQUEST, e.getMessage());
        }
    }

    private static FailureException writeFailed(IOException e) {
        System.getLogger(BackendAdmin.class.getName()).log(System.Logger.Level.ERROR,
                "saving the backend registry failed: " + e);
        return new FailureException(Failure.REGISTRY_WRITE_FAILED);
    }

    // Logged by the store once per outage, not here once per refused call.
    private static FailureException unavailable(RegistryUnavailableException e) {
        return new FailureException(Failure.REGISTRY_UNAVAILABLE, e.getMessage());
    }

    private BackendView view(Backend backend) {
        return BackendView.of(backend, lastUsed.apply(backend.id()), connectedAgents.applyAsInt(backend.id()));
    }
}
