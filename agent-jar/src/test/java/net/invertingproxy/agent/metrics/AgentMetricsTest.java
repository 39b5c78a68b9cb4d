package net.invertingproxy.agent.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.RawBackend;
import net.invertingproxy.agent.testing.Wait;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An operator scrapes the agent's {@code -metrics-port} and sees what it forwarded, how fast, and its polls. */
class AgentMetricsTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final HttpClient scraper = HttpClient.newHttpClient();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    private Agent start(FakeProxy proxy, String backendHost, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-proxy", proxy.url(), "-backend", "b", "-host", backendHost,
                "-metrics-port", Integer.toString(freePort())));
        args.addAll(Arrays.asList(flags));
        Agent agent = Agent.start(AgentConfig.parse(args.toArray(new String[0])));
        resources.add(() -> agent.stop(Duration.ZERO));
        return agent;
    }

    @Test
    void countsForwardedRequestsByStatusAndTimesTheBackend() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        RawBackend backend = closeLater(new RawBackend((request, connection) -> {
            String status = request.head().target().equals("/missing") ? "404 Not Found" : "200 OK";
            RawBackend.answering("HTTP/1.1 " + status + "\r\nContent-Length: 2\r\n\r\nok").respond(request, connection);
        }));
        Agent agent = start(proxy, backend.hostAndPort());
        proxy.offer("r1", "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        proxy.offer("r2", "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
        proxy.offer("r3", "GET /missing HTTP/1.1\r\nHost: h\r\n\r\n");
        for (String id : List.of("r1", "r2", "r3")) {
            proxy.awaitPosted(id, WAIT);
        }
        Wait.until(() -> agent.inFlight() == 0, WAIT, "exchanges ended");

        String metrics = scrape(agent, "/metrics").body();
        assertEquals(2.0, value(metrics, "inverting_proxy_agent_requests_total{outcome=\"answered\",status=\"200\"}"));
        assertEquals(1.0, value(metrics, "inverting_proxy_agent_requests_total{outcome=\"answered\",status=\"404\"}"));
        assertEquals(3.0, value(metrics, "inverting_proxy_agent_backend_duration_seconds_count"));
        assertTrue(value(metrics, "inverting_proxy_agent_backend_duration_seconds_sum") > 0, metrics);
        assertEquals(0.0, value(metrics, "inverting_proxy_agent_in_flight"));
        assertEquals(1.0, value(metrics, "inverting_proxy_agent_backend_healthy"));
        assertTrue(value(metrics, "inverting_proxy_agent_polls_total{result=\"work\"}") >= 1, metrics);
        assertTrue(metrics.contains("jvm_memory_used_bytes"), "JVM meters are served too");
    }

    @Test
    void showsRequestsInFlightAndWhatTheAgentAnsweredItself() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        RawBackend slow = closeLater(new RawBackend((request, connection) -> {
            Thread.sleep(1500);
            RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").respond(request, connection);
        }));
        Agent agent = start(proxy, slow.hostAndPort(), "-backend-timeout", "300ms");
        proxy.offer("slow", "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        slow.awaitRequest(WAIT);

        assertEquals(1.0, value(scrape(agent, "/metrics").body(), "inverting_proxy_agent_in_flight"));
        proxy.awaitPosted("slow", WAIT);
        Wait.until(() -> agent.inFlight() == 0, WAIT, "exchange ended");
        String metrics = scrape(agent, "/metrics").body();
        assertEquals(1.0, value(metrics,
                "inverting_proxy_agent_requests_total{outcome=\"agent_answered\",status=\"504\"}"), metrics);
        assertEquals(0.0, value(metrics, "inverting_proxy_agent_in_flight"));
    }

    @Test
    void countsFailedPollsAndTheReconnectAfterThem() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        proxy.failPolls(2);
        RawBackend backend = closeLater(new RawBackend(RawBackend.answering(
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")));
        Agent agent = start(proxy, backend.hostAndPort());
        Wait.until(() -> proxy.polls() >= 3, WAIT, "polling resumed");
        proxy.offer("after", "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        proxy.awaitPosted("after", WAIT);

        String metrics = scrape(agent, "/metrics").body();
        assertEquals(2.0, value(metrics, "inverting_proxy_agent_poll_failures_total"));
        assertEquals(1.0, value(metrics, "inverting_proxy_agent_reconnects_total"));
    }

    @Test
    void servesOnlyGetOfMetricsInPrometheusText() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        Agent agent = start(proxy, "127.0.0.1:1");
        HttpResponse<String> metrics = scrape(agent, "/metrics");
        assertEquals(200, metrics.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.headers().firstValue("Content-Type").orElse(""));

        assertEquals(404, scrape(agent, "/other").statusCode());
        HttpResponse<String> post = scraper.send(HttpRequest.newBuilder(url(agent, "/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void listensOnLoopbackByDefaultAndStopsWithTheAgent() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        Agent agent = start(proxy, "127.0.0.1:1");
        InetSocketAddress address = agent.metricsAddress().orElseThrow();
        assertTrue(address.getAddress().isLoopbackAddress(), address.toString());

        agent.stop(Duration.ZERO);
        assertThrows(IOException.class, () -> scraper.send(HttpRequest.newBuilder(url(agent, "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void noMetricsPortMeansNoEndpoint() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        Agent agent = Agent.start(AgentConfig.parse("-proxy", proxy.url(), "-backend", "b", "-host", "127.0.0.1:1"));
        resources.add(() -> agent.stop(Duration.ZERO));
        assertTrue(agent.metricsAddress().isEmpty());
    }

    @Test
    void aTakenPortIsAClearStartupError() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> Agent.start(AgentConfig.parse(
                    "-proxy", proxy.url(), "-backend", "b", "-metrics-port", Integer.toString(taken.getLocalPort()))));
            assertTrue(e.getMessage().startsWith("cannot listen for metrics on 127.0.0.1:" + taken.getLocalPort()),
                    e.getMessage());
        }
    }

    private HttpResponse<String> scrape(Agent agent, String path) throws Exception {
        return scraper.send(HttpRequest.newBuilder(url(agent, path)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI url(Agent agent, String path) {
        InetSocketAddress address = agent.metricsAddress().orElseThrow();
        return URI.create("http://127.0.0.1:" + address.getPort() + path);
    }

    // One sample's value; a sample that is missing fails the test with the whole exposition.
    private static double value(String exposition, String sample) {
        Matcher line = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE).matcher(exposition);
        assertTrue(line.find(), "no sample " + sample + " in:\n" + exposition);
        return Double.parseDouble(line.group(1));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
