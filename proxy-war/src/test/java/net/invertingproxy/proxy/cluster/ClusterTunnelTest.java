package net.invertingproxy.proxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import net.invertingproxy.protocol.WireHeaders;
import net.invertingproxy.tunnel.TestBackend;

/**
 * Three proxy instances on one Redis behind nginx, which spreads every call round-robin, and one
 * agent that knows only nginx's address: every client request is answered as by one instance,
 * whichever instance each of its calls lands on.
 */
class ClusterTunnelTest {
    static final String BACKEND = "{\"id\": \"default\", \"routes\": [{\"pathPrefix\": \"/\"}]}";
    private static final Pattern RELAYED = Pattern.compile(
            "inverting_proxy_cluster_relayed_calls_total\\{outcome=\"relayed\"} ([0-9.E]+)");

    static TestBackend backend;
    static ProxyCluster cluster;
    static NginxBalancer balancer;
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startCluster() throws Exception {
        backend = new TestBackend();
        backend.behave(ClusterBackend.behaviour());
        cluster = ProxyCluster.start(3, Map.of("poll-hold-seconds", "5"), BACKEND);
        balancer = NginxBalancer.start(cluster.instances.stream().map(instance -> instance.port()).toList());
        cluster.startAgent(URI.create(balancer.baseUrl()), "default", backend.hostAndPort());
        awaitServedThrough(URI.create(balancer.baseUrl() + "echo/ready"));
        for (int i = 0; i < cluster.instances.size(); i++) {
            awaitServedThrough(cluster.uri(i, "/echo/ready-" + i));
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (balancer != null) {
            balancer.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void everyRequestIsAnsweredWhicheverInstanceEachCallLandsOn() throws Exception {
        double relayedBefore = relayedCalls();
        for (int i = 0; i < 60; i++) {
            HttpResponse<String> answer = CLIENT.send(HttpRequest.newBuilder(URI.create(balancer.baseUrl() + "echo/" + i))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            assertEquals("target=/echo/" + i, answer.body());
        }
        // Round-robin sends the agent's reads and answers to other instances than their clients'.
        assertTrue(relayedCalls() - relayedBefore >= 10, "calls relayed to their home instance: "
                + (relayedCalls() - relayedBefore));
    }

    @Test
    void largeBodiesStreamBothWaysAcrossInstances() throws Exception {
        for (int round = 0; round < 3; round++) {
            ClusterBackend.assertUploadArrivesWhole(CLIENT, URI.create(balancer.baseUrl() + "upload"), 32);
            ClusterBackend.assertDownloadArrivesWhole(CLIENT, URI.create(balancer.baseUrl()), 32L * 1024 * 1024);
        }
    }

    @Test
    void callsFromOutsideTheClusterAreRefused() throws Exception {
        URI read = cluster.uri(1, "/agent/request");
        String idOfInstanceZero = "abcdefghij-" + "A".repeat(22);
        // A wrong secret, or a relayed caller address without one: 403, whatever the call.
        assertEquals(403, send(HttpRequest.newBuilder(read).header(ClusterCredential.SECRET_HEADER, "wrong")
                .header(WireHeaders.BACKEND_ID, "default").header(WireHeaders.REQUEST_ID, idOfInstanceZero)
                .header("Authorization", "Bearer " + cluster.credential())).statusCode());
        assertEquals(403, send(HttpRequest.newBuilder(cluster.uri(1, "/echo/x"))
                .header(ClusterCredential.CALLER_HEADER, "10.0.0.1")).statusCode());
        // A call naming another instance's request without the agent's credential goes nowhere.
        assertEquals(401, send(HttpRequest.newBuilder(read)
                .header(WireHeaders.BACKEND_ID, "default").header(WireHeaders.REQUEST_ID, idOfInstanceZero)).statusCode());
        // With it, a request of an instance that is no member is answered 502 at once.
        HttpResponse<String> gone = send(HttpRequest.newBuilder(read).header(WireHeaders.BACKEND_ID, "default")
                .header(WireHeaders.REQUEST_ID, idOfInstanceZero).header("Authorization", "Bearer " + cluster.credential()));
        assertEquals(502, gone.statusCode());
        assertTrue(gone.body().contains("instance abcdefghij"), gone.body());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return CLIENT.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static double relayedCalls() throws Exception {
        double sum = 0;
        for (int i = 0; i < cluster.instances.size(); i++) {
            String metrics = send(HttpRequest.newBuilder(cluster.uri(i, "/metrics"))).body();
            Matcher matcher = RELAYED.matcher(metrics);
            if (matcher.find()) {
                sum += Double.parseDouble(matcher.group(1));
            }
        }
        return sum;
    }

    static void awaitServedThrough(URI uri) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (last.statusCode() == 200) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not served within 20 s: " + (last == null ? "no answer" : last.statusCode() + " " + last.body()));
    }

    /** The same bytes {@code times} times, as a stream of unknown length (sent chunked). */
    static final class RepeatedStream extends InputStream {
        private final byte[] chunk;
        private int left;
        private int position;

        RepeatedStream(byte[] chunk, int times) {
            this.chunk = chunk;
            this.left = times;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (left == 0) {
                return -1;
            }
            int n = Math.min(length, chunk.length - position);
            System.arraycopy(chunk, position, buffer, offset, n);
            position += n;
            if (position == chunk.length) {
                position = 0;
                left--;
            }
            return n;
        }
    }
}
