package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import net.invertingproxy.proxy.standalone.EmbeddedProxy;

/**
 * An operator starts the packaged proxy ({@code java -jar inverting-proxy.war}) on a data directory
 * whose registry file was cut short (a full disk, a bad copy): the proxy must not start with no
 * backends, and it must say which file is at fault in one line. Needs the WAR ({@code mvn verify}).
 */
class RegistryLauncherIT {
    private static final Path WAR = Path.of(System.getProperty("basedir", ".")).resolve("target/inverting-proxy.war");

    @TempDir
    Path tmp;

    private Process process;

    @AfterEach
    void killLeftovers() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    @Test
    void aCorruptRegistryFileStopsTheLauncherWithOneErrorLineNamingTheFile() throws Exception {
        Path dataDir = tmp.resolve("data");
        Path file = dataDir.resolve("backends.json");
        writeHalfOfARealRegistry(dataDir);

        Path stdout = tmp.resolve("stdout.log");
        Path stderr = tmp.resolve("stderr.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-jar", WAR.toString(),
                "--port", "0", "--host", "127.0.0.1", "--set", "data-dir=" + dataDir));
        process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();

        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the launcher still runs 60 s after start");
        List<String> errors = Files.readAllLines(stderr);
        String log = String.join("\n", errors);
        assertEquals(1, process.exitValue(), log);
        assertFalse(Files.readString(stdout).contains("listening on"), "it said it listens: " + Files.readString(stdout));
        List<String> errorLines = errors.stream().filter(line -> line.startsWith("error:")).toList();
        assertEquals(1, errorLines.size(), log);
        String line = errorLines.get(0);
        assertTrue(line.startsWith("error: could not start: registry file " + file.toAbsolutePath()
                + " is corrupt: JSON ends early"), line);
        assertTrue(line.endsWith("(cut short?)"), line);
        // The error line is what the operator sees last.
        assertEquals(line, errors.get(errors.size() - 1), log);
        // The file is left as it was, for the operator to repair or restore.
        assertTrue(Files.size(file) > 0);
    }

    // A registry a real proxy wrote, then cut in half.
    private static void writeHalfOfARealRegistry(Path dataDir) throws Exception {
        try (EmbeddedProxy proxy = EmbeddedProxy.start(EmbeddedProxy.Options.of(Tunnel.WEBAPP)
                .withInitParameter("data-dir", dataDir.toString())
                .withInitParameter("admin-token", Tunnel.ADMIN_TOKEN))) {
            AdminClient admin = new AdminClient(proxy.baseUri(), Tunnel.ADMIN_TOKEN);
            admin.create("{\"id\": \"billing\", \"routes\": [{\"pathPrefix\": \"/billing\"}]}");
            admin.create("{\"id\": \"reports\", \"routes\": [{\"pathPrefix\": \"/reports\"}]}");
        }
        Path file = dataDir.resolve("backends.json");
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));
    }
}
