package net.invertingproxy.proxy.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.proxy.standalone.EmbeddedProxy;
import net.invertingproxy.tunnel.AdminClient;

/**
 * Several proxy instances on embedded Jetty in this JVM, sharing one real Redis, each with the
 * internal URL of its own port; a backend registered through the first before the others start.
 */
final class ProxyCluster implements AutoCloseable {
    static final String SECRET = "cluster-secret-for-tests-0123456789abcdef";
    static final String ADMIN_TOKEN = "cluster-admin-token-0123456789abcdef";
    private static final Path WEBAPP = Path.of("src/main/webapp");

    final RedisServer redis;
    final List<EmbeddedProxy> instances = new ArrayList<>();
    private final Path dataDir;
    private final Map<String, String> settings;
    private final List<Agent> agents = new ArrayList<>();
    private String credential;

    private ProxyCluster(RedisServer redis, Path dataDir, Map<String, String> settings) {
        this.redis = redis;
        this.dataDir = dataDir;
        this.settings = settings;
    }

    /** Starts {@code count} instances with these settings on top of the cluster's, and registers {@code backendJson}. */
    static ProxyCluster start(int count, Map<String, String> extraSettings, String backendJson) throws Exception {
        RedisServer redis = RedisServer.start();
        Path dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "cluster-registry-");
        ProxyCluster cluster = new ProxyCluster(redis, dataDir, new HashMap<>(extraSettings));
        try {
            cluster.instances.add(cluster.startInstance(freePort()));
            cluster.credential = AdminClient.agentCredential(
                    new AdminClient(cluster.instances.get(0).baseUri(), ADMIN_TOKEN).create(backendJson));
            for (int i = 1; i < count; i++) {
                cluster.instances.add(cluster.startInstance(freePort()));
            }
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private EmbeddedProxy startInstance(int port) throws Exception {
        EmbeddedProxy.Options options = EmbeddedProxy.Options.of(WEBAPP).withHost("127.0.0.1").withPort(port);
        Map<String, String> all = new HashMap<>(settings);
        all.putIfAbsent("data-dir", dataDir.toString());
        all.putIfAbsent("admin-token", ADMIN_TOKEN);
        all.put("cluster-redis-url", redis.url());
        all.put("cluster-secret", SECRET);
        all.put("cluster-internal-url", "http://127.0.0.1:" + port + "/");
        for (Map.Entry<String, String> setting : all.entrySet()) {
            options = options.withInitParameter(setting.getKey(), setting.getValue());
        }
        return EmbeddedProxy.start(options);
    }

    /** The credential of the registered backend. */
    String credential() {
        return credential;
    }

    /** The instance's base URI. */
    URI uri(int instance, String target) {
        return URI.create("http://127.0.0.1:" + instances.get(instance).port() + target);
    }

    /** Starts the real agent for {@code backendId} against {@code proxy} (an instance, or a load balancer). */
    Agent startAgent(URI proxy, String backendId, String backendHost, String... extraFlags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-proxy", proxy.toString(), "-backend", backendId,
                "-host", backendHost, "-credential", credential));
        args.addAll(List.of(extraFlags));
        Agent agent = Agent.start(AgentConfig.parse(args.toArray(String[]::new)));
        agents.add(agent);
        return agent;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        for (Agent agent : agents) {
            agent.close();
        }
        for (EmbeddedProxy instance : instances) {
            instance.close();
        }
        redis.close();
    }
}
