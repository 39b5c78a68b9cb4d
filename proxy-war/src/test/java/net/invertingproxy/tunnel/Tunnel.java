package net.invertingproxy.tunnel;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.proxy.standalone.EmbeddedProxy;

/**
 * The whole product on loopback, as a user runs it: a real backend, the proxy on embedded Jetty
 * and the real agent, plus an HTTP client that only forwards (no redirects, no decoding, no retries).
 */
final class Tunnel implements AutoCloseable {
    static final Path WEBAPP = Path.of("src/main/webapp");

    /** The admin token of every test proxy. */
    static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
    /**
     * The backend every tunnel serves: all hosts and paths, and open to credential-less agents too
     * so that hand-written Go-like agents can serve it; the real agent uses its credential.
     */
    static final String DEFAULT_BACKEND = "{\"id\": \"default\", \"routes\": [{\"pathPrefix\": \"/\"}],"
            + " \"legacyAgents\": {\"allowed\": true}}";

    final TestBackend backend;
    final EmbeddedProxy proxy;
    final CloseableHttpClient client;
    final AdminClient admin;
    final Path dataDir;
    private String agentCredential;
    private Agent agent;

    private Tunnel(TestBackend backend, EmbeddedProxy proxy, Path dataDir) {
        this.backend = backend;
        this.proxy = proxy;
        this.dataDir = dataDir;
        this.admin = new AdminClient(proxy.baseUri(), ADMIN_TOKEN);
        this.client = HttpClients.custom()
                .disableRedirectHandling()
                .disableContentCompression()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(500).setMaxConnPerRoute(500).build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.ofSeconds(60)).build())
                .build();
    }

    /** A backend and a proxy with the given settings and the default backend registered, no agent yet. */
    static Tunnel withoutAgent(Map<String, String> proxySettings) throws Exception {
        return withoutAgent(proxySettings, UnaryOperator.identity());
    }

    /** As {@link #withoutAgent(Map)}, on a container set up differently, e.g. with a smaller thread pool. */
    static Tunnel withoutAgent(Map<String, String> proxySettings, UnaryOperator<EmbeddedProxy.Options> container)
            throws Exception {
        Tunnel tunnel = withoutBackends(proxySettings, container);
        tunnel.agentCredential = AdminClient.agentCredential(tunnel.admin.create(DEFAULT_BACKEND));
        return tunnel;
    }

    /** A backend and a proxy with the given settings and an empty registry in a data directory of its own. */
    static Tunnel withoutBackends(Map<String, String> proxySettings) throws Exception {
        return withoutBackends(proxySettings, UnaryOperator.identity());
    }

    private static Tunnel withoutBackends(Map<String, String> proxySettings,
                                          UnaryOperator<EmbeddedProxy.Options> container) throws Exception {
        Map<String, String> settings = new HashMap<>(proxySettings);
        Path dataDir = settings.containsKey("data-dir") ? Path.of(settings.get("data-dir"))
                : Files.createTempDirectory("inverting-proxy-test");
        settings.putIfAbsent("data-dir", dataDir.toString());
        settings.putIfAbsent("admin-token", ADMIN_TOKEN);
        TestBackend backend = new TestBackend();
        EmbeddedProxy.Options options = container.apply(EmbeddedProxy.Options.of(WEBAPP));
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            options = options.withInitParameter(setting.getKey(), setting.getValue());
        }
        return new Tunnel(backend, EmbeddedProxy.start(options), dataDir);
    }

    /** The credential issued for the default backend. */
    String agentCredential() {
        return agentCredential;
    }

    /** The whole tunnel with default settings and a connected agent. */
    static Tunnel start() throws Exception {
        return start(Map.of());
    }

    /** The whole tunnel with the given proxy settings and agent flags, the agent connected. */
    static Tunnel start(Map<String, String> proxySettings, String... agentFlags) throws Exception {
        Tunnel tunnel = withoutAgent(proxySettings);
        tunnel.startAgent(agentFlags);
        return tunnel;
    }

    /** Starts the real agent against this proxy and backend and waits until it serves requests. */
    Agent startAgent(String... extraFlags) throws Exception {
        return startAgent(backend.hostAndPort(), extraFlags);
    }

    /** Starts the real agent forwarding to the given backend address. */
    Agent startAgent(String backendHost, String... extraFlags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-proxy", proxy.baseUri().toString(), "-backend", "default",
                "-host", backendHost));
        if (agentCredential != null) {
            args.addAll(List.of("-credential", agentCredential));
        }
        args.addAll(List.of(extraFlags));
        agent = Agent.start(AgentConfig.parse(args.toArray(String[]::new)));
        if (backendHost.equals(backend.hostAndPort())) {
            awaitAgentPolling();
        } else {
            awaitAnyAnswerThroughTheAgent();
        }
        return agent;
    }

    Agent agent() {
        return agent;
    }

    URI uri(String target) {
        return URI.create("http://127.0.0.1:" + proxy.port() + target);
    }

    /** Settings as a mutable map, for tests that add to the defaults. */
    static Map<String, String> settings(String... keysAndValues) {
        Map<String, String> settings = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            settings.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return settings;
    }

    /**
     * Waits until exactly this many requests of the default backend wait for a poll, as the
     * proxy's own gauge tells; a test that parks requests then knows they all got there.
     */
    void awaitQueuedRequests(int count) throws Exception {
        String wanted = "inverting_proxy_queued_requests{backend=\"default\"} " + count + ".0";
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String metrics = "";
        while (System.nanoTime() < deadline) {
            HttpGet get = new HttpGet(uri("/metrics"));
            get.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(5)).build());
            metrics = client.execute(get, response -> EntityUtils.toString(response.getEntity()));
            if (metrics.lines().anyMatch(wanted::equals)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("not " + count + " requests queued within 10 s: "
                + metrics.lines().filter(line -> line.startsWith("inverting_proxy_queued_requests")).toList());
    }

    /** Waits until the proxy's gauge of exchanges (waiting, streaming or tunnelled) shows this many. */
    void awaitExchanges(int count) throws Exception {
        String wanted = "inverting_proxy_exchanges " + count + ".0";
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String metrics = "";
        while (System.nanoTime() < deadline) {
            HttpGet get = new HttpGet(uri("/metrics"));
            get.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(5)).build());
            metrics = client.execute(get, response -> EntityUtils.toString(response.getEntity()));
            if (metrics.lines().anyMatch(wanted::equals)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("not " + count + " exchanges within 10 s: "
                + metrics.lines().filter(line -> line.startsWith("inverting_proxy_exchanges")).toList());
    }

    // Another backend answers a probe as it likes; any answer but the proxy's 503 (no agent) proves polling works.
    private void awaitAnyAnswerThroughTheAgent() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            int status = client.execute(new HttpGet(uri("/tunnel-probe")), response -> response.getCode());
            if (status != 503) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the agent did not start serving within 10 s");
    }

    // The agent's first poll reaches the proxy a moment after start; until then the proxy rightly
    // answers 503. A probe that gets through proves polling works; the backend forgets it.
    private void awaitAgentPolling() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        TestBackend.Behaviour previous = backend.currentBehaviour();
        backend.behave((request, response, recorded) -> response.setStatus(204));
        try {
            while (System.nanoTime() < deadline) {
                int status = client.execute(new HttpGet(uri("/tunnel-probe")), response -> response.getCode());
                if (status == 204) {
                    backend.nextRequest();
                    return;
                }
                Thread.sleep(20);
            }
            throw new AssertionError("the agent did not start serving within 10 s");
        } finally {
            backend.behave(previous);
        }
    }

    @Override
    public void close() throws Exception {
        if (agent != null) {
            agent.stop(Duration.ofSeconds(1));
        }
        try {
            client.close();
        } catch (IOException e) {
            // closing anyway
        }
        proxy.stop();
        backend.close();
        deleteRecursively(dataDir);
    }

    static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
