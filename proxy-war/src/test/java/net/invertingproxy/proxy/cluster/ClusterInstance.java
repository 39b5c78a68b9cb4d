package net.invertingproxy.proxy.cluster;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import net.invertingproxy.tunnel.JavaProcess;

/**
 * One instance of the packaged WAR run on its own ({@code java -jar inverting-proxy.war}) as a
 * member of a cluster: a fixed port, so its internal URL is known before it starts, and the
 * cluster's Redis and secret. It can be killed (SIGKILL) and started again on the same port.
 */
final class ClusterInstance implements AutoCloseable {
    static final Path LOGS = Path.of("target", "it-logs", "cluster");
    private static final Path WAR = Path.of("target", "inverting-proxy.war");
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");
    private static final List<String> JVM_FLAGS = List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError");

    private final String name;
    private final int port;
    private final Map<String, String> environment;
    private final Map<String, String> settings;
    private JavaProcess process;
    private int starts;

    private ClusterInstance(String name, int port, Map<String, String> environment, Map<String, String> settings) {
        this.name = name;
        this.port = port;
        this.environment = environment;
        this.settings = settings;
    }

    /**
     * Starts the WAR on {@code port} in the cluster of {@code redisUrl} and {@code secret}; the
     * admin token and data directory come by environment, the rest as {@code --set}.
     */
    static ClusterInstance start(String name, int port, String redisUrl, String secret, String adminToken, Path dataDir,
                                 Map<String, String> extraSettings) throws Exception {
        Map<String, String> settings = new java.util.LinkedHashMap<>(extraSettings);
        settings.put("cluster-redis-url", redisUrl);
        settings.put("cluster-internal-url", "http://127.0.0.1:" + port + "/");
        ClusterInstance instance = new ClusterInstance(name, port, Map.of("INVERTING_PROXY_ADMIN_TOKEN", adminToken,
                "INVERTING_PROXY_DATA_DIR", dataDir.toString(), "INVERTING_PROXY_CLUSTER_SECRET", secret), settings);
        instance.launch();
        return instance;
    }

    private void launch() throws Exception {
        starts++;
        List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port), "--host", "127.0.0.1"));
        settings.forEach((setting, value) -> args.addAll(List.of("--set", setting + "=" + value)));
        process = JavaProcess.start(LOGS.resolve(name + "-" + starts + ".log"), JVM_FLAGS, environment, WAR,
                args.toArray(String[]::new));
        process.awaitLine(LISTENING, 60);
    }

    /** The instance's port on 127.0.0.1. */
    int port() {
        return port;
    }

    /** The OS process ID. */
    long pid() {
        return process.pid();
    }

    /** {@code http://127.0.0.1:<port>/} plus {@code path} (without its leading slash). */
    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + "/" + (path.startsWith("/") ? path.substring(1) : path));
    }

    /** Kills the instance with SIGKILL, as a crash would: nothing is drained, nothing is deregistered. */
    void kill() throws InterruptedException {
        process.kill();
    }

    /** Starts the WAR again on its port, as a new member (a new instance ID). */
    void startAgain() throws Exception {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " still runs");
        }
        launch();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.kill();
        }
    }
}
