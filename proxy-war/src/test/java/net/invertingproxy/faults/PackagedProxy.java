package net.invertingproxy.faults;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import net.invertingproxy.tunnel.AdminClient;
import net.invertingproxy.tunnel.JavaProcess;

/**
 * The executable WAR in a JVM of its own on 127.0.0.1, as an operator runs it, with a registry in a
 * directory of its own; it can be killed and started again on the same port with the same registry.
 */
public final class PackagedProxy implements AutoCloseable {
    static final Path LOGS = Path.of("target", "it-logs", "faults");
    /**
     * Settings that let a fault play out in seconds rather than minutes: a dead agent's held poll
     * ends within 2 s and it counts as gone 3 s later, a request it was handed goes to another
     * agent after 2 s, and a request nobody answers gets its 504 after 10 s. Anything parked and
     * forgotten (a client that gave up) is therefore gone from the gauges within 10 s.
     */
    static final Map<String, String> QUICK_FAULTS = Map.of(
            "poll-hold-seconds", "2",
            "claim-timeout-seconds", "2",
            "agent-offline-after-seconds", "3",
            "request-timeout-seconds", "10");
    private static final Path WAR = Path.of("target", "inverting-proxy.war");
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");
    private static final List<String> JVM_FLAGS = List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError");

    private final String name;
    private final Path dataDir;
    private final String adminToken = "faults-admin-" + UUID.randomUUID();
    private final Duration idleTimeout;
    private final Map<String, String> settings;
    private JavaProcess process;
    private int port;
    private int starts;

    private PackagedProxy(String name, Path dataDir, Duration idleTimeout, Map<String, String> settings) {
        this.name = name;
        this.dataDir = dataDir;
        this.idleTimeout = idleTimeout;
        this.settings = settings;
    }

    /** Starts the WAR on a free port with the given connection idle timeout and proxy settings. */
    public static PackagedProxy start(String name, Duration idleTimeout, Map<String, String> settings) throws Exception {
        Files.createDirectories(Path.of("target"));
        Path dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "faults-registry-");
        PackagedProxy proxy = new PackagedProxy(name, dataDir, idleTimeout, settings);
        proxy.launch(0);
        return proxy;
    }

    /** Kills the proxy with SIGKILL, as a crash would: nothing is drained, every connection breaks. */
    public void kill() throws InterruptedException {
        process.kill();
    }

    /** Starts the WAR again on the port it had, with the same registry and settings; returns once it listens. */
    public void startAgain() throws Exception {
        if (process.isAlive()) {
            throw new IllegalStateException("the proxy still runs");
        }
        launch(port);
    }

    private void launch(int wantedPort) throws Exception {
        starts++;
        List<String> args = new ArrayList<>(List.of("--port", Integer.toString(wantedPort), "--host", "127.0.0.1",
                "--idle-timeout-seconds", Long.toString(idleTimeout.toSeconds())));
        settings.forEach((setting, value) -> args.addAll(List.of("--set", setting + "=" + value)));
        process = JavaProcess.start(LOGS.resolve(name + "-proxy-" + starts + ".log"), JVM_FLAGS,
                Map.of("INVERTING_PROXY_ADMIN_TOKEN", adminToken, "INVERTING_PROXY_DATA_DIR", dataDir.toString()),
                WAR, args.toArray(String[]::new));
        port = Integer.parseInt(process.awaitLine(LISTENING, 60).group(1));
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** {@code http://127.0.0.1:<port>/}, the URL agents are given. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    /**
     * Registers backend {@code id}, routed by {@code pathPrefix} (kept, not stripped), and returns the
     * agent credential the proxy issued for it.
     */
    public String createBackend(String id, String pathPrefix) throws IOException, InterruptedException {
        String json = "{\"id\": \"" + id + "\", \"routes\": [{\"pathPrefix\": \"" + pathPrefix + "\"}]}";
        return AdminClient.agentCredential(new AdminClient(baseUri(), adminToken).create(json));
    }

    /** The proxy's gauges, read from its {@code /metrics}. */
    public ProxyGauges gauges() {
        return new ProxyGauges(port);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.kill();
        }
    }
}
