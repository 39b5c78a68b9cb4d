package net.invertingproxy.proxy.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The registry of a single instance, kept in {@code backends.json} in the data directory (see
 * {@link RegistryFile}). Only this process writes the file, so its version is a counter kept in
 * memory: the file always holds a registry (a missing file is an empty one).
 */
public final class FileRegistryStore implements RegistryStore {
    private final Path file;
    // Guarded by this; changes only when this process saves.
    private long version;

    private FileRegistryStore(Path file) {
        this.file = file;
    }

    /** The store of {@code dataDir}, which is created if missing; fails if it cannot be written. */
    public static FileRegistryStore open(Path dataDir) throws RegistryFileException {
        Path file = dataDir.resolve(BackendRegistry.FILE_NAME);
        requireWritable(dataDir, file);
        return new FileRegistryStore(file);
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

    /** The file's backends; a missing file is an empty registry, a corrupt one an error. */
    public synchronized StoredBackends loadFile() throws RegistryFileException {
        return new StoredBackends(RegistryFile.load(file), version);
    }

    @Override
    public Optional<StoredBackends> load() throws IOException {
        return Optional.of(loadFile());
    }

    @Override
    public synchronized long version() {
        return version;
    }

    @Override
    public synchronized OptionalLong save(List<Backend> backends, long basedOn) throws IOException {
        if (basedOn != version) {
            return OptionalLong.empty();
        }
        RegistryFile.save(file, backends);
        version++;
        return OptionalLong.of(version);
    }

    // A missing file already reads as an empty registry, so there is never nothing to seed.
    @Override
    public boolean seed(List<Backend> backends) {
        return false;
    }

    @Override
    public String location() {
        return file.toString();
    }
}
