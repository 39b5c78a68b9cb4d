package net.invertingproxy.tunnel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;

/**
 * Backends beyond a tunnel's default one, as an operator sets them up: registered through the
 * admin API, each served by real agents (started with the credential the proxy issued) that
 * forward to real {@link TestBackend}s. Closing stops every agent and backend started here.
 */
final class ExtraBackends implements AutoCloseable {
    /** Agents re-poll every second, so a test never waits long on a held poll. */
    static final Map<String, String> QUICK_POLLS = Tunnel.settings("poll-hold-seconds", "1");
    /** Anything slower than this is a wait on a timeout, not an answer "at once". */
    static final Duration AT_ONCE = Duration.ofSeconds(2);

    private final Tunnel tunnel;
    private final List<Agent> agents = new ArrayList<>();
    private final List<TestBackend> backends = new ArrayList<>();

    ExtraBackends(Tunnel tunnel) {
        this.tunnel = tunnel;
    }

    /**
     * Daemon threads for blocking calls run side by side, whatever the machine's core count (the
     * common pool may have a single thread).
     */
    static ExecutorService threads(String name) {
        return Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Registers a backend and returns the agent credential issued for it. */
    String create(String json) throws IOException, InterruptedException {
        return AdminClient.agentCredential(tunnel.admin.create(json));
    }

    /** A new real backend that answers 200 with a body naming itself and the target it saw. */
    TestBackend backend(String name) throws Exception {
        TestBackend backend = new TestBackend();
        backends.add(backend);
        backend.behave((request, response, recorded) -> {
            byte[] body = (name + " " + recorded.target()).getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        });
        return backend;
    }

    /** Starts the real agent for {@code backendId}, forwarding to {@code backend}; does not wait for it. */
    Agent agent(String backendId, String credential, TestBackend backend, String... extraFlags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-proxy", tunnel.proxy.baseUri().toString(), "-backend", backendId,
                "-host", backend.hostAndPort(), "-credential", credential));
        args.addAll(List.of(extraFlags));
        Agent agent = Agent.start(AgentConfig.parse(args.toArray(String[]::new)));
        agents.add(agent);
        return agent;
    }

    /**
     * Starts an agent and waits until the proxy counts it among the backend's connected agents. The
     * proxy tells agents apart by their agent ID or else by address, so a second agent on this host
     * is counted only if it sends an agent ID; start it with {@link #agent} instead.
     */
    Agent connectedAgent(String backendId, String credential, TestBackend backend, String... extraFlags)
            throws Exception {
        int before = connectedAgents(backendId);
        Agent agent = agent(backendId, credential, backend, extraFlags);
        awaitConnected(backendId, before + 1);
        return agent;
    }

    /** Stops an agent started here, as its operator would (SIGTERM: a short grace period). */
    void stop(Agent agent) {
        agent.stop(Duration.ofSeconds(1));
        agents.remove(agent);
    }

    /**
     * A client's {@code GET target} with {@code Host: host} and the given header lines, written byte
     * for byte on its own connection ({@code Connection: close}); the proxy's answer as it came.
     */
    static RawResponse getFromHost(Tunnel tunnel, String host, String target, String... headerLines) throws IOException {
        StringBuilder head = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n")
                .append("Connection: close\r\n");
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        head.append("\r\n");
        try (RawClient connection = RawClient.connect(tunnel.proxy.port())) {
            return connection.send(head.toString()).readResponse();
        }
    }

    /** {@link #getFromHost} with the Host a client of the proxy's own address sends. */
    static RawResponse get(Tunnel tunnel, String target, String... headerLines) throws IOException {
        return getFromHost(tunnel, "127.0.0.1:" + tunnel.proxy.port(), target, headerLines);
    }

    /** The admin API's {@code connectedAgents} of the backend. */
    int connectedAgents(String backendId) throws IOException, InterruptedException {
        AdminClient.Answer answer = tunnel.admin.call("GET", "/api/backends/" + backendId, null);
        if (answer.status() != 200) {
            throw new AssertionError("reading backend " + backendId + " gave " + answer.status() + ": " + answer.body());
        }
        return answer.json().get("connectedAgents").getAsInt();
    }

    /**
     * Waits (up to 10 s) until the proxy counts {@code count} agents polling for the backend: from
     * then on its requests are parked for them instead of refused with 503.
     */
    void awaitConnected(String backendId, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int seen;
        while ((seen = connectedAgents(backendId)) < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(count + " agents of " + backendId + " did not connect within 10 s; " + seen
                        + " did");
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws Exception {
        for (Agent agent : agents) {
            agent.stop(Duration.ofSeconds(1));
        }
        agents.clear();
        for (TestBackend backend : backends) {
            backend.close();
        }
        backends.clear();
    }
}
