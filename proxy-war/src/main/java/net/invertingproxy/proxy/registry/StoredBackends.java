package net.invertingproxy.proxy.registry;

import java.util.List;

/**
 * The backends a {@link RegistryStore} holds and the version of that list.
 *
 * @param backends the backends, in the order they were created
 * @param version what a change of this list is based on
 */
public record StoredBackends(List<Backend> backends, long version) {
    /** Copies the list, so the value cannot change. */
    public StoredBackends {
        backends = List.copyOf(backends);
    }
}
