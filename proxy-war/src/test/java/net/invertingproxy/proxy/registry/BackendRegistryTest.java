package net.invertingproxy.proxy.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendRegistryTest {
    @TempDir
    Path dir;

    @Test
    void aMissingDataDirectoryIsCreatedAndTheRegistryStartsEmpty() throws Exception {
        Path dataDir = dir.resolve("new/data");

        BackendRegistry registry = BackendRegistry.open(dataDir, 10);

        assertTrue(Files.isDirectory(dataDir));
        assertEquals(0, registry.all().size());
    }

    @Test
    void aDataDirectoryThatCannotBeWrittenStopsStartUpNotTheFirstAdminCall() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("data"), "a file where the directory should be");

        RegistryFileException e = assertThrows(RegistryFileException.class,
                () -> BackendRegistry.open(notADirectory, 10));

        assertEquals("registry file " + notADirectory.resolve("backends.json").toAbsolutePath()
                + " cannot be written: cannot create the data directory " + notADirectory
                + " (FileAlreadyExistsException)", e.getMessage());
    }
}
