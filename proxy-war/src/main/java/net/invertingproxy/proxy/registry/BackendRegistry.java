package net.invertingproxy.proxy.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import net.invertingproxy.proxy.routing.RouteTable;

/**
 * The backends this proxy serves, kept in {@code backends.json} in the data directory. Reads see
 * an immutable snapshot and never wait; each change is written to the file (atomically) before it
 * is published, so what the proxy serves is always what a restart would load. A change that cannot
 * be written fails and changes nothing.
 */
public final class BackendRegistry {
    /** The registry file's name inside the data directory. */
    public static final String FILE_NAME = "backends.json";

    private final Path file;
    private final int maxBackends;
    private final List<Consumer<String>> removalListeners = new CopyOnWriteArrayList<>();
    private volatile Snapshot snapshot;

    /** An immutable view: backends by ID and by agent key ID, and the routes of all. */
    private record Snapshot(Map<String, Backend> byId, Map<String, Backend> byAgentKeyId, RouteTable routes) {
        static Snapshot of(Collection<Backend> backends) {
            Map<String, Backend> byId = new LinkedHashMap<>();
            Map<String, Backend> byAgentKeyId = new LinkedHashMap<>();
            for (Backend backend : backends) {
                byId.put(backend.id(), backend);
                backend.agentKeys().forEach(key -> byAgentKeyId.put(key.keyId(), backend));
            }
            // Kept in creation order, as all() promises and as the file is written.
            return new Snapshot(Collections.unmodifiableMap(byId), Collections.unmodifiableMap(byAgentKeyId),
                    RouteTable.of(byId.values()));
        }
    }

    private BackendRegistry(Path file, int maxBackends, List<Backend> backends) {
        this.file = file;
        this.maxBackends = maxBackends;
        this.snapshot = Snapshot.of(backends);
    }

    /** Loads the registry of {@code dataDir}; a missing file is an empty registry, a corrupt one an error. */
    public static BackendRegistry open(Path dataDir, int maxBackends) throws RegistryFileException {
        Path file = dataDir.resolve(FILE_NAME);
        requireWritable(dataDir, file);
        return new BackendRegistry(file, maxBackends, RegistryFile.load(file));
    }

    // Found at start-up rather than at the first admin call, which would fail after the proxy
    // had been reported healthy. Writes go to a temporary file beside the registry, then a rename.
    private static void requireWritable(Path dataDir, Path file) throws RegistryFileException {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new RegistryFileException(file, "cannot be written: cannot create the data directory " + dataDir
                    + " (" + e.getClass().getSimpleName() + ")", e);
        }
        if (!Files.isDirectory(dataDir) || !Files.isWritable(dataDir)) {
            throw new RegistryFileException(file, "cannot be written: the data directory " + dataDir
                    + " is not a writable directory (see the data-dir setting)", null);
        }
    }

    /** The file the registry is kept in. */
    public Path file() {
        return file;
    }

    /** Tells {@code listener} the ID of every backend deleted, after the deletion is stored. */
    public void onRemoval(Consumer<String> listener) {
        removalListeners.add(listener);
    }

    /** Every backend, in the order they were created. */
    public List<Backend> all() {
        return List.copyOf(snapshot.byId().values());
    }

    /** The backend with this ID. */
    public Optional<Backend> get(String id) {
        return Optional.ofNullable(snapshot.byId().get(id));
    }

    /** The backend holding the agent key with this (public) key ID. */
    public Optional<Backend> byAgentKeyId(String keyId) {
        return Optional.ofNullable(snapshot.byAgentKeyId().get(keyId));
    }

    /** The routes of every backend. */
    public RouteTable routes() {
        return snapshot.routes();
    }

    /** Adds a backend; fails if its ID is taken, its key IDs are, or the registry is full. */
    public synchronized void create(Backend backend) throws RegistryConflictException, IOException {
        Snapshot current = snapshot;
        if (current.byId().containsKey(backend.id())) {
            throw new RegistryConflictException("backend '" + backend.id() + "' exists already");
        }
        if (current.byId().size() >= maxBackends) {
            throw new RegistryConflictException("the registry holds its maximum of " + maxBackends
                    + " backends (setting max-backends)");
        }
        checkKeyIdsFree(current, backend);
        List<Backend> next = new ArrayList<>(current.byId().values());
        next.add(backend);
        store(next);
    }

    /** Replaces the backend of the same ID; fails if there is none. */
    public synchronized void replace(Backend backend) throws RegistryConflictException, IOException {
        Snapshot current = snapshot;
        if (!current.byId().containsKey(backend.id())) {
            throw new RegistryConflictException("no backend '" + backend.id() + "'");
        }
        checkKeyIdsFree(current, backend);
        List<Backend> next = new ArrayList<>();
        for (Backend existing : current.byId().values()) {
            next.add(existing.id().equals(backend.id()) ? backend : existing);
        }
        store(next);
    }

    /** Deletes the backend; false if there was none. */
    public boolean delete(String id) throws IOException {
        synchronized (this) {
            Snapshot current = snapshot;
            if (!current.byId().containsKey(id)) {
                return false;
            }
            List<Backend> next = new ArrayList<>(current.byId().values());
            next.removeIf(backend -> backend.id().equals(id));
            store(next);
        }
        removalListeners.forEach(listener -> listener.accept(id));
        return true;
    }

    private static void checkKeyIdsFree(Snapshot current, Backend backend) throws RegistryConflictException {
        for (AgentKey key : backend.agentKeys()) {
            Backend holder = current.byAgentKeyId().get(key.keyId());
            if (holder != null && !holder.id().equals(backend.id())) {
                // 64 random bits: a clash is a bug or a hand-edited file, never chance.
                throw new RegistryConflictException("agent key " + key.keyId() + " belongs to another backend");
            }
        }
    }

    private void store(List<Backend> next) throws IOException {
        RegistryFile.save(file, next);
        snapshot = Snapshot.of(next);
    }
}
