package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bodies stream through the tunnel: a 1 GiB upload and a 1 GiB download pass through the packaged
 * proxy and agent, each in its own JVM limited to a 64 MiB heap, and arrive with the same digest.
 */
class TunnelLargeBodyIT {
    private static final long ONE_GIB = 1L << 30;
    private static final List<String> SMALL_HEAP = List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError");
    private static final Path LOGS = Path.of("target", "it-logs");

    /** The one backend, every path; its agent polls with the credential the admin API issues. */
    private static final String BACKEND = "{\"id\": \"default\", \"routes\": [{\"pathPrefix\": \"/\"}]}";

    private static Path dataDir;
    private static TestBackend backend;
    private static JavaProcess proxy;
    private static JavaProcess agent;
    private static int proxyPort;
    private static CloseableHttpClient client;

    @BeforeAll
    static void startPackagedTunnel() throws Exception {
        backend = new TestBackend();
        // A registry of its own under target/ (never the module directory, the JVM's working directory), and the
        // admin token in the environment, as an operator would pass it.
        Files.createDirectories(Path.of("target"));
        dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "large-body-registry-");
        String adminToken = "large-body-admin-" + UUID.randomUUID();
        proxy = JavaProcess.start(LOGS.resolve("large-body-proxy.log"), SMALL_HEAP,
                Map.of("INVERTING_PROXY_ADMIN_TOKEN", adminToken, "INVERTING_PROXY_DATA_DIR", dataDir.toString()),
                Path.of("target", "inverting-proxy.war"), "--port", "0", "--host", "127.0.0.1");
        proxyPort = Integer.parseInt(proxy.awaitLine(Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/"), 60).group(1));
        String credential = AdminClient.agentCredential(
                new AdminClient(URI.create("http://127.0.0.1:" + proxyPort + "/"), adminToken).create(BACKEND));
        assertTrue(Files.isRegularFile(dataDir.resolve("backends.json")), "the registry is not in " + dataDir);
        agent = JavaProcess.start(LOGS.resolve("large-body-agent.log"), SMALL_HEAP,
                Map.of("INVERTING_PROXY_AGENT_CREDENTIAL", credential),
                Path.of("..", "agent-jar", "target", "inverting-proxy-agent.jar"),
                "-proxy", "http://127.0.0.1:" + proxyPort + "/", "-backend", "default", "-host", backend.hostAndPort());
        client = HttpClients.custom().disableContentCompression().disableAutomaticRetries().build();
        awaitTunnel();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (agent != null) {
            agent.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (dataDir != null) {
            Tunnel.deleteRecursively(dataDir);
        }
    }

    @Test
    void oneGibUploadArrivesIntact() throws Exception {
        backend.behave((request, response, recorded) -> {
            String digest = PatternedStream.digest(request.getInputStream());
            response.setStatus(200);
            response.getOutputStream().write(digest.getBytes(StandardCharsets.US_ASCII));
        });
        HttpPost upload = new HttpPost(uri("/upload"));
        upload.setEntity(new InputStreamEntity(new PatternedStream(ONE_GIB), ONE_GIB, ContentType.APPLICATION_OCTET_STREAM));

        long started = System.nanoTime();
        String digestSeenByBackend = client.execute(upload, response -> {
            assertEquals(200, response.getCode());
            return EntityUtils.toString(response.getEntity());
        });
        report("upload", started);

        assertEquals(PatternedStream.digestOf(ONE_GIB), digestSeenByBackend);
        assertTrue(proxy.isAlive() && agent.isAlive(), "neither JVM ran out of memory");
    }

    @Test
    void oneGibDownloadArrivesIntact() throws Exception {
        backend.behave((request, response, recorded) -> {
            response.setStatus(200);
            response.setContentLengthLong(ONE_GIB);
            new PatternedStream(ONE_GIB).transferTo(response.getOutputStream());
        });

        long started = System.nanoTime();
        String digestSeenByClient = client.execute(new HttpGet(uri("/download")), response -> {
            assertEquals(200, response.getCode());
            assertEquals(Long.toString(ONE_GIB), response.getFirstHeader("Content-Length").getValue());
            return PatternedStream.digest(response.getEntity().getContent());
        });
        report("download", started);

        assertEquals(PatternedStream.digestOf(ONE_GIB), digestSeenByClient);
        assertTrue(proxy.isAlive() && agent.isAlive(), "neither JVM ran out of memory");
    }

    private static java.net.URI uri(String target) {
        return java.net.URI.create("http://127.0.0.1:" + proxyPort + target);
    }

    private static void report(String what, long startedNanos) {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        System.out.printf("1 GiB %s through the tunnel: %.1f s (%.0f MiB/s)%n", what, seconds, 1024 / seconds);
    }

    private static void awaitTunnel() throws Exception {
        backend.behave((request, response, recorded) -> response.setStatus(204));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            int status = client.execute(new HttpGet(uri("/probe")), response -> response.getCode());
            if (status == 204) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the packaged tunnel did not serve within 30 s");
    }
}
