package net.invertingproxy.proxy.scripts;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the operator scripts and the packaged artefacts are, and the helpers the script tests share: the
 * environment a script is started with, free loopback ports, one-shot runs with a bounded wait, plain HTTP.
 */
final class Scripts {
    /** proxy-war/, as Maven runs the tests. */
    static final Path BASEDIR = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    static final Path REPO = BASEDIR.getParent();
    static final Path SCRIPTS = REPO.resolve("scripts");
    static final Path SYSTEMD = SCRIPTS.resolve("systemd");
    static final Path README = REPO.resolve("README.md");
    static final Path WAR = BASEDIR.resolve("target/inverting-proxy.war");
    static final Path AGENT_JAR = REPO.resolve("agent-jar/target/inverting-proxy-agent.jar");
    static final Path JAVA_BIN = Path.of(System.getProperty("java.home"), "bin");

    /** Variables that steer the scripts or the programs they start; the caller's values must not leak into a test. */
    private static final List<String> STEERING = List.of("JAVA", "JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS",
            "_JAVA_OPTIONS", "PROXY_PORT", "PROXY_HOST", "TMPDIR");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern LONG_FLAG = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*[a-z]");

    /** The backend an operator creates first: every path, served by agents holding its credential. */
    static final String DEFAULT_BACKEND = "{\"id\": \"default\", \"routes\": [{\"pathPrefix\": \"/\"}]}";

    private Scripts() {
    }

    /** Fails, saying how to get them, unless both artefacts were built ({@code mvn package} runs before the ITs). */
    static void requireArtifacts() {
        for (Path artifact : List.of(WAR, AGENT_JAR)) {
            assertTrue(Files.isRegularFile(artifact), artifact + " is missing: build with mvn -B package (or install) first");
        }
    }

    /** Fails with a clear message (never skips) when a command the scripts need is not on the PATH. */
    static void requireCommands(String... commands) {
        for (String command : commands) {
            if (onPath(command) == null) {
                fail(command + " is not on the PATH (" + System.getenv("PATH") + "), but the operator scripts need it;"
                        + " install it (Debian: apt-get install " + command + ") to run these tests");
            }
        }
    }

    /** The executable the PATH resolves the command to, or null. */
    static Path onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, command);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    /**
     * This JVM's environment without anything that steers the scripts (every {@code INVERTING_PROXY_*}, the JVM option
     * variables, ...), with the JDK running the tests first on the PATH, so {@code java} is that JDK's.
     */
    static Map<String, String> cleanEnvironment() {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.keySet().removeIf(name -> name.startsWith("INVERTING_PROXY") || STEERING.contains(name));
        environment.put("PATH", JAVA_BIN + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        return environment;
    }

    /** 64 random hex characters, as {@code openssl rand -hex 32} makes an admin token. */
    static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The key ID of an agent credential {@code ipa_<key id>_<secret>}: the part that may be logged. */
    static String keyId(String credential) {
        Matcher matcher = Pattern.compile("^ipa_([0-9a-f]+)_([A-Za-z0-9_-]+)$").matcher(credential);
        assertTrue(matcher.matches(), "not an agent credential: " + credential);
        return matcher.group(1);
    }

    /** The secret of an agent credential {@code ipa_<key id>_<secret>}: what must never be logged or shown by ps. */
    static String secret(String credential) {
        // The key ID is hex; the secret is base64url and may itself contain '_'.
        return credential.substring(("ipa_" + keyId(credential) + "_").length());
    }

    /** The process's command line as ps shows it to every user (its arguments, from /proc). */
    static String commandLine(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                .replace('\0', ' ');
    }

    /** The process's environment (readable by its owner only), from /proc. */
    static Map<String, String> environmentOf(long pid) throws IOException {
        Map<String, String> environment = new LinkedHashMap<>();
        String all = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8);
        for (String entry : all.split("\0")) {
            int equals = entry.indexOf('=');
            if (equals > 0) {
                environment.put(entry.substring(0, equals), entry.substring(equals + 1));
            }
        }
        return environment;
    }

    /** {@code count} different ports nothing listens on at the moment, on 127.0.0.1. */
    static int[] freePorts(int count) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
    }

    /** Whether something accepts TCP connections on 127.0.0.1:port. */
    static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * What a finished command printed, how it ended, and the processes it had started that were still alive when it
     * exited (already killed by {@link #run}).
     */
    record Run(int exitCode, String stdout, String stderr, List<String> survivors) {
        String describe() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
        }
    }

    /**
     * Runs a command in {@code workDir} to its end with stdout and stderr kept apart, waiting at most {@code seconds}; on timeout it and
     * everything it started are killed and the test fails. The processes it starts are watched by PID while it runs, so
     * any it leaves behind are found (see {@link Run#survivors}) and killed, even once they are no longer its children.
     */
    static Run run(List<String> command, Map<String, String> environment, Path workDir, long seconds) throws Exception {
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, "stdout", ".txt");
        Path err = Files.createTempFile(workDir, "stderr", ".txt");
        // Run in the test's directory, so whatever it writes relative to its working directory stays there.
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().clear();
        builder.environment().putAll(environment);
        Process process = builder.start();
        Map<Long, ProcessHandle> started = new LinkedHashMap<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!process.waitFor(50, TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(handle -> started.putIfAbsent(handle.pid(), handle));
                if (System.nanoTime() > deadline) {
                    fail(String.join(" ", command) + " still running after " + seconds + " s; stdout:\n"
                            + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
                }
            }
            List<String> survivors = new ArrayList<>();
            for (ProcessHandle handle : started.values()) {
                if (handle.isAlive()) {
                    survivors.add(handle.pid() + ": " + handle.info().commandLine().orElse("?"));
                }
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err), survivors);
        } finally {
            ScriptProcess.killTree(process.toHandle());
            // ProcessHandle compares start times too, so a PID reused meanwhile by another process is not touched.
            started.values().forEach(ScriptProcess::killTree);
        }
    }

    /** A GET with the given header pairs; 10 s to answer. */
    static HttpResponse<String> get(URI uri, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /**
     * GETs the URI until it answers 200 (the proxy answers 503 until the agent's first poll arrives) or
     * {@code seconds} pass; fails early, with the logs, when one of the processes has died.
     */
    static HttpResponse<String> awaitOk(URI uri, long seconds, List<ScriptProcess> processes, String... headers)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            for (ScriptProcess process : processes) {
                if (!process.isAlive()) {
                    fail(process.name() + " exited (" + process.exitCode() + ") before " + uri + " answered 200:\n"
                            + process.output());
                }
            }
            try {
                HttpResponse<String> response = get(uri, headers);
                if (response.statusCode() == 200) {
                    return response;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        StringBuilder logs = new StringBuilder();
        for (ScriptProcess process : processes) {
            logs.append("--- ").append(process.name()).append(":\n").append(process.output());
        }
        throw new AssertionError(uri + " did not answer 200 within " + seconds + " s (last: " + last + ")\n" + logs);
    }

    /** The long flags ({@code --name}) a text names, as a script's --help or README's table of its flags does. */
    static Set<String> longFlags(String text) {
        Set<String> flags = new TreeSet<>();
        Matcher matcher = LONG_FLAG.matcher(text);
        while (matcher.find()) {
            flags.add(matcher.group());
        }
        return flags;
    }

    /** README's section under the heading (e.g. {@code "## Benchmark"}), its subsections included. */
    static String readmeSection(String heading) throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf("\n" + heading + "\n");
        assertTrue(start >= 0, "README.md has no section '" + heading + "'");
        int end = readme.indexOf("\n## ", start + 1);
        return end < 0 ? readme.substring(start) : readme.substring(start, end);
    }

    /** The leading comment block of a script (after the #! line), without the comment marks, as its --help prints it. */
    static List<String> headerComment(Path script) throws IOException {
        List<String> lines = Files.readAllLines(script);
        List<String> header = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (!line.startsWith("#")) {
                break;
            }
            header.add(line.replaceFirst("^# ?", ""));
        }
        return header;
    }
}
