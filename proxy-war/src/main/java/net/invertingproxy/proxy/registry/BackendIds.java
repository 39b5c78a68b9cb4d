package net.invertingproxy.proxy.registry;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that no two backends of a registry share an ID and no two agent keys share a key ID, even
 * across backends, since an agent call is matched to its key by the key ID alone.
 */
final class BackendIds {
    private static final int MAX_ID_IN_LABEL = 64;

    private final Map<String, String> backends = new HashMap<>();
    private final Map<String, String> agentKeys = new HashMap<>();

    /** Checks a whole registry; throws {@link InvalidBackendException} naming the backends that clash. */
    static void check(List<Backend> registry) {
        BackendIds ids = new BackendIds();
        for (int i = 0; i < registry.size(); i++) {
            ids.add(registry.get(i), i + 1);
        }
    }

    /** Adds backend number {@code number} (counting from 1), throwing if an ID of it is taken. */
    void add(Backend backend, int number) {
        String label = label(number, backend.id());
        String owner = backends.putIfAbsent(backend.id(), label);
        if (owner != null) {
            throw new InvalidBackendException(label + ": id is already that of " + owner);
        }
        for (AgentKey key : backend.agentKeys()) {
            String keyOwner = agentKeys.putIfAbsent(key.keyId(), label);
            if (keyOwner != null) {
                throw new InvalidBackendException(label + ": agent key ID \"" + key.keyId() + "\" is already used by "
                        + (keyOwner.equals(label) ? "this backend" : keyOwner));
            }
        }
    }

    /** How messages name a backend: {@code backend #2 ("billing")}, or {@code backend #2} without a usable ID. */
    static String label(int number, String id) {
        if (id == null) {
            return "backend #" + number;
        }
        String shown = id.length() <= MAX_ID_IN_LABEL ? id : id.substring(0, MAX_ID_IN_LABEL) + "...";
        return "backend #" + number + " (\"" + shown + "\")";
    }
}
