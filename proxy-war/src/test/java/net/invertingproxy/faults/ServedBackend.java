package net.invertingproxy.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import net.invertingproxy.tunnel.TestBackend;

/**
 * One backend of a {@link PackagedProxy}, reached at {@code /<id>/}: a real {@link TestBackend}
 * behind a packaged agent. Its probe target {@code /<id>/probe} is always answered 200
 * {@code "<id> served"}, which is how a test tells that the proxy still serves it; other targets
 * get the behaviour the test installs.
 */
public final class ServedBackend implements AutoCloseable {
    private static final String PROBE = "probe";
    // Longer than the request timeout of PackagedProxy.QUICK_FAULTS: a probe parked while a dead
    // agent still counts as connected gets its 504 rather than being abandoned in the queue.
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(15);

    private final String id;
    private final String name;
    private final PackagedProxy proxy;
    private final String credential;
    private final TestBackend backend;
    private final String[] agentFlags;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private volatile TestBackend.Behaviour behaviour = (request, response, recorded) -> response.setStatus(204);
    private PackagedAgent agent;

    private ServedBackend(String name, String id, PackagedProxy proxy, String credential, TestBackend backend,
                          String[] agentFlags) {
        this.name = name;
        this.id = id;
        this.proxy = proxy;
        this.credential = credential;
        this.backend = backend;
        this.agentFlags = agentFlags;
    }

    /** Registers backend {@code id}, starts its backend and agent, and waits (up to 30 s) until it is served. */
    public static ServedBackend start(String name, PackagedProxy proxy, String id, String... agentFlags) throws Exception {
        String credential = proxy.createBackend(id, "/" + id + "/");
        ServedBackend served = new ServedBackend(name, id, proxy, credential, new TestBackend(), agentFlags);
        served.answerProbes();
        served.startAgent();
        return served;
    }

    /** What the backend does with every request but the probes, which it always answers normally. */
    public void behave(TestBackend.Behaviour behaviour) {
        this.behaviour = behaviour;
    }

    public PackagedAgent agent() {
        return agent;
    }

    // Probes get 200 "<id> served" whatever the test's behaviour does with its own requests.
    private void answerProbes() {
        byte[] body = expectedBody().getBytes(StandardCharsets.UTF_8);
        backend.behave((request, response, recorded) -> {
            if (!recorded.target().equals(path(PROBE))) {
                behaviour.handle(request, response, recorded);
                return;
            }
            response.setStatus(200);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        });
    }

    /** Starts a new agent (the previous one, if any, must be gone) and waits until it serves. */
    public void startAgent() throws Exception {
        agent = PackagedAgent.start(name + "-" + id, proxy, id, credential, backend.hostAndPort(), agentFlags);
        awaitServed(Duration.ofSeconds(30));
    }

    /** A target on this backend's route, e.g. {@code /<id>/upload}. */
    public String path(String rest) {
        return "/" + id + "/" + rest;
    }

    /** Asserts that one request is answered 200 {@code "<id> served"}; returns how long it took. */
    public Duration assertServed() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> answer = probe();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        if (answer.statusCode() != 200 || !expectedBody().equals(answer.body())) {
            throw new AssertionError(id + " was not served: " + answer.statusCode() + " " + answer.body());
        }
        return took;
    }

    /** Repeats requests (every 50 ms) until one is served normally; how long that took from now. */
    public Duration awaitServed(Duration timeout) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        String last = "none";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> answer = probe();
                if (answer.statusCode() == 200 && expectedBody().equals(answer.body())) {
                    return Duration.ofNanos(System.nanoTime() - start);
                }
                last = answer.statusCode() + " " + answer.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(50);
        }
        throw new AssertionError(id + " was not served within " + timeout.toMillis() + " ms; last answer: " + last);
    }

    private String expectedBody() {
        return id + " served";
    }

    private HttpResponse<String> probe() throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + proxy.port() + path(PROBE));
        return http.send(HttpRequest.newBuilder(uri).timeout(PROBE_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        try {
            if (agent != null) {
                agent.close();
            }
        } finally {
            backend.close();
        }
    }
}
