package net.invertingproxy.proxy.registry;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import net.invertingproxy.proxy.routing.RouteTable;

/**
 * The backends this proxy serves, kept in a {@link RegistryStore}: {@code backends.json} in the data
 * directory for a single instance, a shared store for several. Reads see an immutable snapshot and
 * never wait or touch the store; each change is stored before it is published, so what the proxy
 * serves is always what a restart would load. A change that cannot be stored fails and changes
 * nothing; one that another instance's change overtook is checked again against that and retried.
 */
public final class BackendRegistry {
    /** The registry file's name inside the data directory. */
    public static final String FILE_NAME = "backends.json";
    private static final System.Logger LOG = System.getLogger(BackendRegistry.class.getName());
    // Each lost attempt means another instance stored a change meanwhile; so many in a row is a storm
    // of admin calls, and the caller is better told to try again than kept waiting.
    private static final int MAX_ATTEMPTS = 10;

    private final RegistryStore store;
    private final int maxBackends;
    private final List<Consumer<String>> removalListeners = new CopyOnWriteArrayList<>();
    private volatile Snapshot snapshot;

    /** What a store that holds no registry yet starts with; read only if it is needed. */
    @FunctionalInterface
    public interface Seed {
        /** The backends to store. */
        List<Backend> backends() throws IOException;
    }

    /** An immutable view: backends by ID and by agent key ID, the routes of all, and the stored version. */
    private record Snapshot(Map<String, Backend> byId, Map<String, Backend> byAgentKeyId, RouteTable routes,
                            long version) {
        static Snapshot of(StoredBackends stored) {
            return of(stored.backends(), stored.version());
        }

        static Snapshot of(Collection<Backend> backends, long version) {
            Map<String, Backend> byId = new LinkedHashMap<>();
            Map<String, Backend> byAgentKeyId = new LinkedHashMap<>();
            for (Backend backend : backends) {
                byId.put(backend.id(), backend);
                backend.agentKeys().forEach(key -> byAgentKeyId.put(key.keyId(), backend));
            }
            // Kept in creation order, as all() promises and as the file is written.
            return new Snapshot(Collections.unmodifiableMap(byId), Collections.unmodifiableMap(byAgentKeyId),
                    RouteTable.of(byId.values()), version);
        }

        List<Backend> backends() {
            return List.copyOf(byId.values());
        }
    }

    /** A change worked out against the current snapshot: the next list, or empty for no change. */
    @FunctionalInterface
    private interface Change {
        Optional<List<Backend>> apply(Snapshot current) throws RegistryConflictException;
    }

    private BackendRegistry(RegistryStore store, int maxBackends, StoredBackends stored) {
        this.store = store;
        this.maxBackends = maxBackends;
        this.snapshot = Snapshot.of(stored);
    }

    /** Loads the registry of {@code dataDir}; a missing file is an empty registry, a corrupt one an error. */
    public static BackendRegistry open(Path dataDir, int maxBackends) throws RegistryFileException {
        FileRegistryStore store = FileRegistryStore.open(dataDir);
        return new BackendRegistry(store, maxBackends, store.loadFile());
    }

    /**
     * Loads the registry kept in {@code store}; a store that holds none yet is first given the
     * backends of {@code seed}, once even when several instances start at the same time.
     */
    public static BackendRegistry open(RegistryStore store, int maxBackends, Seed seed) throws IOException {
        Optional<StoredBackends> stored = store.load();
        if (stored.isEmpty()) {
            List<Backend> initial = seed.backends();
            if (store.seed(initial)) {
                LOG.log(Level.INFO, "{0} held no registry yet: seeded it with {1} backends",
                        store.location(), initial.size());
            }
            stored = store.load();
        }
        return new BackendRegistry(store, maxBackends, stored.orElseThrow(() -> vanished(store)));
    }

    /** The file the registry is kept in; only for a registry opened on a data directory. */
    public Path file() {
        if (store instanceof FileRegistryStore fileStore) {
            return fileStore.file();
        }
        throw new IllegalStateException("the registry is kept in " + store.location() + ", not in a file");
    }

    /** Where the registry is kept, in words for log lines. */
    public String location() {
        return store.location();
    }

    /** Tells {@code listener} the ID of every backend deleted, here or (seen on refresh) by another instance. */
    public void onRemoval(Consumer<String> listener) {
        removalListeners.add(listener);
    }

    /** Every backend, in the order they were created. */
    public List<Backend> all() {
        return snapshot.backends();
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
    public void create(Backend backend) throws RegistryConflictException, IOException {
        apply(current -> {
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
            return Optional.of(next);
        });
    }

    /** Replaces the backend of the same ID; fails if there is none. */
    public void replace(Backend backend) throws RegistryConflictException, IOException {
        apply(current -> {
            if (!current.byId().containsKey(backend.id())) {
                throw new RegistryConflictException("no backend '" + backend.id() + "'");
            }
            checkKeyIdsFree(current, backend);
            List<Backend> next = new ArrayList<>();
            for (Backend existing : current.byId().values()) {
                next.add(existing.id().equals(backend.id()) ? backend : existing);
            }
            return Optional.of(next);
        });
    }

    /** Deletes the backend; false if there was none. */
    public boolean delete(String id) throws IOException {
        try {
            return apply(current -> {
                if (!current.byId().containsKey(id)) {
                    return Optional.empty();
                }
                List<Backend> next = new ArrayList<>(current.byId().values());
                next.removeIf(backend -> backend.id().equals(id));
                return Optional.of(next);
            });
        } catch (RegistryConflictException e) {
            // A deletion breaks no rule; only a storm of changes by other instances ends here.
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Takes up what other instances stored since the last look, telling the removal listeners of
     * every backend gone; reads only the stored version unless it changed. A shared store that lost
     * the registry (restarted without persistence) is given this instance's copy back.
     */
    public void refresh() throws IOException {
        if (store.version() == snapshot.version()) {
            return;
        }
        List<String> removed;
        synchronized (this) {
            removed = reload();
        }
        notifyRemoved(removed);
    }

    // The listeners run after the lock is released, as they did before, and also when a later
    // attempt fails: a backend that a reload showed gone is gone whatever becomes of this change.
    private boolean apply(Change change) throws RegistryConflictException, IOException {
        List<String> removed = new ArrayList<>();
        try {
            synchronized (this) {
                return applyLocked(change, removed);
            }
        } finally {
            notifyRemoved(removed);
        }
    }

    private boolean applyLocked(Change change, List<String> removed) throws RegistryConflictException, IOException {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            Snapshot current = snapshot;
            Optional<List<Backend>> next = change.apply(current);
            if (next.isEmpty()) {
                return false;
            }
            OptionalLong version = store.save(next.get(), current.version());
            if (version.isPresent()) {
                removed.addAll(publish(Snapshot.of(next.get(), version.getAsLong())));
                return true;
            }
            // Another instance stored a change first: this one is checked again against that.
            removed.addAll(reload());
        }
        throw new RegistryConflictException("the registry was changed by other instances " + MAX_ATTEMPTS
                + " times while this change was stored; try again");
    }

    private List<String> reload() throws IOException {
        Optional<StoredBackends> stored = store.load();
        if (stored.isEmpty()) {
            restore();
            stored = store.load();
        }
        return publish(Snapshot.of(stored.orElseThrow(() -> vanished(store))));
    }

    // Without this, a shared store restarted empty would be read as "every backend deleted" by all
    // instances at once; each still holds the last registry, and the first to notice puts it back.
    private void restore() throws IOException {
        List<Backend> backends = snapshot.backends();
        if (store.seed(backends)) {
            LOG.log(Level.WARNING, "{0} had lost the registry (restarted without persistence?): restored it"
                    + " from this instance''s copy, {1} backends", store.location(), backends.size());
        }
    }

    private List<String> publish(Snapshot next) {
        Snapshot previous = snapshot;
        snapshot = next;
        List<String> removed = new ArrayList<>();
        for (String id : previous.byId().keySet()) {
            if (!next.byId().containsKey(id)) {
                removed.add(id);
            }
        }
        return removed;
    }

    private void notifyRemoved(List<String> removed) {
        for (String id : removed) {
            removalListeners.forEach(listener -> listener.accept(id));
        }
    }

    private static IOException vanished(RegistryStore store) {
        return new IOException(store.location() + " holds no registry even after it was seeded (deleted meanwhile?)");
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
}
