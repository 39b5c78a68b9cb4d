package net.invertingproxy.proxy.standalone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarLauncherTest {
    @TempDir
    Path dir;

    @Test
    void unpacksEveryEntry() throws Exception {
        Path war = war("WEB-INF/web.xml", "WEB-INF/lib/a.jar");
        Path target = Files.createDirectory(dir.resolve("out"));

        WarLauncher.unpack(war, target);

        assertEquals("WEB-INF/web.xml", Files.readString(target.resolve("WEB-INF/web.xml")));
        assertEquals("WEB-INF/lib/a.jar", Files.readString(target.resolve("WEB-INF/lib/a.jar")));
    }

    @Test
    void refusesEntriesThatPointOutsideTheTarget() throws Exception {
        for (String name : new String[] {"../escaped.txt", "WEB-INF/../../escaped.txt"}) {
            Path war = war("WEB-INF/web.xml", name);
            Path target = Files.createTempDirectory(dir, "out");

            IOException refused = assertThrows(IOException.class, () -> WarLauncher.unpack(war, target));

            assertEquals("entry points outside the WAR: " + name, refused.getMessage());
            assertFalse(Files.exists(dir.resolve("escaped.txt")));
        }
    }

    @Test
    void classPathPutsContainerJarsFirstThenClassesThenLibraries() throws Exception {
        for (String jar : new String[] {"WEB-INF/lib-embedded/jetty-server.jar", "WEB-INF/lib-embedded/b.jar",
                                        "WEB-INF/lib/gson.jar", "WEB-INF/lib/notes.txt"}) {
            Files.createDirectories(dir.resolve(jar).getParent());
            Files.writeString(dir.resolve(jar), "");
        }
        Files.createDirectories(dir.resolve("WEB-INF/classes"));

        URL[] classPath = WarLauncher.classPath(dir);

        assertArrayEquals(new URL[] {
            dir.resolve("WEB-INF/lib-embedded/b.jar").toUri().toURL(),
            dir.resolve("WEB-INF/lib-embedded/jetty-server.jar").toUri().toURL(),
            dir.resolve("WEB-INF/classes").toUri().toURL(),
            dir.resolve("WEB-INF/lib/gson.jar").toUri().toURL(),
        }, classPath);
    }

    private Path war(String... names) throws IOException {
        Path war = Files.createTempFile(dir, "test", ".war");
        try (OutputStream file = Files.newOutputStream(war); ZipOutputStream zip = new ZipOutputStream(file)) {
            for (String name : names) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(name.getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return war;
    }
}
