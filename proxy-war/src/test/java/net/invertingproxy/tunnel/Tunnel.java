package net.invertingproxy.tunnel;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
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

    final TestBackend backend;
    final EmbeddedProxy proxy;
    final CloseableHttpClient client;
    private Agent agent;

    private Tunnel(TestBackend backend, EmbeddedProxy proxy) {
        this.backend = backend;
        this.proxy = proxy;
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

    /** A backend and a proxy with the given settings, no agent yet. */
    static Tunnel withoutAgent(Map<String, String> proxySettings) throws Exception {
        TestBackend backend = new TestBackend();
        EmbeddedProxy.Options options = EmbeddedProxy.Options.of(WEBAPP);
        for (Map.Entry<String, String> setting : proxySettings.entrySet()) {
            options = options.withInitParameter(setting.getKey(), setting.getValue());
        }
        return new Tunnel(backend, EmbeddedProxy.start(options));
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
        args.addAll(List.of(extraFlags));
        agent = Agent.start(AgentConfig.parse(args.toArray(String[]::new)));
        awaitAgentPolling();
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
    }
}
