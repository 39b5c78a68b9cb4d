package net.invertingproxy.proxy.registry;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a {@link BackendRegistry} keeps its backends: a file for a single instance, a shared store
 * for several. Every stored list carries a version, and a change is saved only if the stored version
 * is still the one it was based on, so that changes made at once by several instances never overwrite
 * each other unseen.
 */
public interface RegistryStore {
    /** The stored backends and their version, or empty if the store holds no registry at all. */
    Optional<StoredBackends> load() throws IOException;

    /** The version now stored, read without the backends; a version no list has if none is stored. */
    long version() throws IOException;

    /** Stores {@code backends} if the stored version is still {@code basedOn}; the new version, or empty if not. */
    OptionalLong save(List<Backend> backends, long basedOn) throws IOException;

    /** Stores {@code backends} only if the store holds no registry at all; whether it did. */
    boolean seed(List<Backend> backends) throws IOException;

    /** Where the registry is kept, in words for log lines. */
    String location();
}
