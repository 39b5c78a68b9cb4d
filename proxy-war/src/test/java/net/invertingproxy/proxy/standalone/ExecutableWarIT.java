package net.invertingproxy.proxy.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged WAR as {@code java -jar}, the way an operator would; needs {@code mvn verify}. */
class ExecutableWarIT {
    private static final Path BASEDIR = Path.of(System.getProperty("basedir", "."));
    private static final Path WAR = BASEDIR.resolve("target/inverting-proxy.war").toAbsolutePath();
    private static final Pattern SUMMARY =
            Pattern.compile("inverting-proxy listening on (http://127\\.0\\.0\\.1:(\\d+)/) \\(embedded Jetty 12\\.[\\d.]+\\)");

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
    void containerLibrariesStayOutOfWebInfLib() throws IOException {
        List<String> lib = new ArrayList<>();
        List<String> embedded = new ArrayList<>();
        try (JarFile war = new JarFile(WAR.toFile())) {
            assertEquals("net.invertingproxy.proxy.standalone.WarLauncher",
                    war.getManifest().getMainAttributes().getValue("Main-Class"));
            assertNotNull(war.getEntry("net/invertingproxy/proxy/standalone/WarLauncher.class"));
            assertNotNull(war.getEntry("WEB-INF/web.xml"));
            war.stream().forEach(entry -> {
                String name = entry.getName();
                if (name.startsWith("WEB-INF/lib/") && name.endsWith(".jar")) {
                    lib.add(name.substring("WEB-INF/lib/".length()));
                } else if (name.startsWith("WEB-INF/lib-embedded/") && name.endsWith(".jar")) {
                    embedded.add(name.substring("WEB-INF/lib-embedded/".length()));
                }
            });
        }
        for (String jar : lib) {
            assertFalse(jar.startsWith("jetty-") || jar.startsWith("jakarta.servlet-api"),
                    "container library in WEB-INF/lib: " + jar);
        }
        for (String prefix : new String[] {"jetty-server-", "jetty-ee10-webapp-", "jetty-ee10-servlet-",
                                           "jakarta.servlet-api-"}) {
            assertTrue(embedded.stream().anyMatch(jar -> jar.startsWith(prefix)),
                    "WEB-INF/lib-embedded lacks " + prefix + "*.jar: " + embedded);
        }
        // The AWS SDK's SLF4J needs its provider beside it (else Tomcat logs SLF4J's "no providers"
        // warning); one provider only, since the launcher puts both directories on one class path.
        for (String prefix : new String[] {"slf4j-api-", "slf4j-jdk14-"}) {
            assertEquals(1, lib.stream().filter(jar -> jar.startsWith(prefix)).count(), "WEB-INF/lib: " + lib);
        }
        assertEquals(List.of(), embedded.stream().filter(jar -> jar.startsWith("slf4j-")).toList());
    }

    @Test
    void servesHealthzThenStopsOnSigtermAndCleansUp() throws Exception {
        process = javaJar("--port", "0", "--host", "127.0.0.1").start();
        URI base = URI.create(awaitSummary(process).group(1));

        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> health = client.send(
                HttpRequest.newBuilder(base.resolve("/healthz")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health::body);

        process.destroy();
        assertTrue(process.waitFor(15, TimeUnit.SECONDS), "still running 15 s after SIGTERM");
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("inverting-proxy-")).toList(),
                    "the unpacked WAR was not deleted");
        }
        // It opened the (empty) registry in the data-dir it was given, with the admin API off (no admin-token).
        String log = Files.readString(tmp.resolve("stderr.log"));
        assertTrue(log.contains(" 0 backends from " + tmp.resolve("data/backends.json") + ", admin API off,"), log);
    }

    @Test
    void helpExitsZero() throws Exception {
        process = javaJar("--help").redirectOutput(tmp.resolve("help.txt").toFile()).start();

        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        assertTrue(Files.readString(tmp.resolve("help.txt")).contains("--port N"));
    }

    @Test
    void aBogusFlagExitsTwo() throws Exception {
        process = javaJar("--bogus").start();

        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue());
        assertTrue(Files.readString(tmp.resolve("stderr.log"))
                .contains("error: unknown flag: --bogus (run with --help for usage)" + System.lineSeparator()));
    }

    // The child's temporary directory is this test's, so the test can see that the unpacked WAR goes away; so are its
    // working directory and its registry's data-dir: nothing it writes lands in the module directory.
    private ProcessBuilder javaJar(String... flags) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-Dinverting-proxy.data-dir=" + tmp.resolve("data"), "-jar", WAR.toString()));
        command.addAll(List.of(flags));
        ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectError(tmp.resolve("stderr.log").toFile());
        // Proxy settings from the caller's environment would change what the test sees.
        builder.environment().keySet().removeIf(name -> name.startsWith("INVERTING_PROXY_"));
        return builder;
    }

    private Matcher awaitSummary(Process started) throws Exception {
        CompletableFuture<Matcher> summary = CompletableFuture.supplyAsync(() -> readSummary(started));
        try {
            return summary.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no startup summary; stderr:\n" + Files.readString(tmp.resolve("stderr.log")), e);
        }
    }

    private static Matcher readSummary(Process started) {
        BufferedReader out = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8));
        try {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                Matcher matcher = SUMMARY.matcher(line);
                if (matcher.matches()) {
                    return matcher;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("the process ended without a startup summary");
    }
}
