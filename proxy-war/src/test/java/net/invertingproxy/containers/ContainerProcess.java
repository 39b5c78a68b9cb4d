package net.invertingproxy.containers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One container process: its command and environment, its output in {@code console.log} of its log
 * directory, and the helpers every {@link ProxyUnderTest} needs (waiting for a log line or for
 * {@code /healthz}, the tail of its logs, a SIGTERM stop).
 */
final class ContainerProcess {
    static final Path TARGET = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target");
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);

    private final String name;
    private final Process process;
    private final Path logDirectory;
    private final Path console;

    private final Thread killOnExit;

    private ContainerProcess(String name, Process process, Path logDirectory, Path console) {
        this.name = name;
        this.process = process;
        this.logDirectory = logDirectory;
        this.console = console;
        // A test JVM that ends without stopping the container (killed, interrupted) must not leave it running.
        this.killOnExit = new Thread(process::destroyForcibly, "kill " + name);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Starts the command with the environment changes (a null value removes the variable); output goes to console.log. */
    static ContainerProcess start(String name, Path logDirectory, List<String> command, Map<String, String> environment,
                                  Path workingDirectory) throws IOException {
        Files.createDirectories(logDirectory);
        Path console = logDirectory.resolve("console.log");
        Files.writeString(console, "$ " + String.join(" ", command) + System.lineSeparator() + "  env " + environment
                + System.lineSeparator(), StandardCharsets.UTF_8);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()));
        Map<String, String> env = builder.environment();
        environment.forEach((key, value) -> {
            if (value == null) {
                env.remove(key);
            } else {
                env.put(key, value);
            }
        });
        return new ContainerProcess(name, builder.start(), logDirectory, console);
    }

    /** A system property the pom sets for the integration tests (failsafe's systemPropertyVariables). */
    static String requiredProperty(String key) {
        String value = System.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new AssertionError("system property " + key + " is not set: run the container ITs through Maven"
                    + " (cd proxy-war && mvn verify), whose failsafe configuration sets it");
        }
        return value;
    }

    /** A loopback port free right now (the container binds it a moment later). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** An empty directory, deleting what a previous run left there. */
    static Path freshDirectory(Path directory) throws IOException {
        if (Files.exists(directory, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> paths = Files.walk(directory)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        return Files.createDirectories(directory);
    }

    Path logDirectory() {
        return logDirectory;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for a console line matching the pattern; fails early if the process ends. */
    Matcher awaitConsoleLine(Pattern pattern, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(console, StandardCharsets.UTF_8)) {
                Matcher matcher = pattern.matcher(line);
                if (matcher.find()) {
                    return matcher;
                }
            }
            if (!process.isAlive()) {
                throw startFailure("exited with " + process.exitValue() + " before printing " + pattern);
            }
            Thread.sleep(100);
        }
        throw startFailure("printed no line matching " + pattern + " within " + timeout.toSeconds() + " s");
    }

    /** Waits until {@code GET /healthz} answers 200; fails early if the process ends. */
    void awaitHealthy(int port, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw startFailure("exited with " + process.exitValue() + " before /healthz answered 200");
            }
            try {
                HttpResponse<String> answer = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    return;
                }
                last = answer.statusCode() + " " + answer.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw startFailure("/healthz did not answer 200 within " + timeout.toSeconds() + " s (last: " + last + ")");
    }

    /** Stops with SIGTERM, waits up to 30 s, then kills; returns the exit code. */
    int stop() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toSeconds(), TimeUnit.SECONDS)) {
                System.err.println(name + " still running " + STOP_GRACE.toSeconds() + " s after SIGTERM; killing it");
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** The last lines of every file in the log directory. */
    String logTail(int lines) {
        StringBuilder tail = new StringBuilder();
        try (Stream<Path> files = Files.walk(logDirectory)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                List<String> all = readLinesLeniently(file);
                tail.append("----- ").append(file).append(" (last ").append(Math.min(lines, all.size()))
                        .append(" of ").append(all.size()).append(" lines)\n");
                for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
                    tail.append(line).append('\n');
                }
            }
        } catch (IOException e) {
            tail.append("(could not read the logs in ").append(logDirectory).append(": ").append(e).append(")\n");
        }
        return tail.toString();
    }

    private AssertionError startFailure(String what) {
        process.destroyForcibly();
        return new AssertionError(name + " did not start: it " + what + "\n" + logTail(60));
    }

    private static List<String> readLinesLeniently(Path file) throws IOException {
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        return new ArrayList<>(List.of(text.split("\r?\n", -1)));
    }
}
