package net.invertingproxy.agent.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.Messages;
import net.invertingproxy.agent.testing.RawBackend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The backend client only forwards: no redirect followed, no cookie kept, no body decoded, no
 * request retried. End to end, between a fake proxy and a raw-socket backend on 127.0.0.1.
 */
class BackendClientFactoryTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String OK_RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private final List<AutoCloseable> resources = new ArrayList<>();
    private FakeProxy proxy;

    @AfterEach
    void stopAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    // A proxy, the backend and an agent started as a Go agent command line starts it.
    private RawBackend agentFor(RawBackend.Handler handler) throws Exception {
        proxy = new FakeProxy();
        resources.add(proxy);
        RawBackend backend = new RawBackend(handler);
        resources.add(backend);
        Agent agent = Agent.start(AgentConfig.parse("-proxy", proxy.url(), "-backend", "b", "-host", backend.hostAndPort()));
        resources.add(() -> agent.stop(Duration.ofSeconds(1)));
        return backend;
    }

    private Messages.Response answerTo(String requestId, String method) throws Exception {
        FakeProxy.Posted posted = proxy.awaitPosted(requestId, WAIT);
        assertNull(posted.failure(), posted.text());
        return Messages.readResponse(posted.body(), method);
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void aRedirectReachesTheClientUnfollowed(int status) throws Exception {
        RawBackend backend = agentFor(RawBackend.answering("HTTP/1.1 " + status + " Moved\r\n"
                + "Location: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n"));

        proxy.offer("r", "GET /old HTTP/1.1\r\nHost: h\r\n\r\n");

        Messages.Response response = answerTo("r", "GET");
        assertEquals(status, response.status());
        assertEquals("http://127.0.0.1:1/elsewhere", response.header("Location"));
        assertEquals("GET /old HTTP/1.1", backend.awaitRequest(WAIT).requestLine());
        assertNull(backend.pollRequest(Duration.ofMillis(300)), "the redirect was followed");
    }

    @Test
    void aSetCookieIsPassedOnButNeverSentBack() throws Exception {
        RawBackend backend = agentFor(RawBackend.answering("HTTP/1.1 200 OK\r\n"
                + "Set-Cookie: session=abc; Path=/\r\nContent-Length: 2\r\n\r\nok"));

        proxy.offer("first", "GET /login HTTP/1.1\r\nHost: h\r\n\r\n");
        assertEquals("session=abc; Path=/", answerTo("first", "GET").header("Set-Cookie"));
        proxy.offer("second", "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
        answerTo("second", "GET");

        backend.awaitRequest(WAIT);
        assertEquals("GET /next HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n",
                backend.awaitRequest(WAIT).rawHead());
    }

    @Test
    void aGzipBodyArrivesByteForByteWithItsContentEncoding() throws Exception {
        byte[] gzipped = gzip("hello, compressed world ".repeat(200));
        RawBackend backend = agentFor(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                + "Content-Encoding: gzip\r\nContent-Length: " + gzipped.length + "\r\n\r\n"
                + new String(gzipped, StandardCharsets.ISO_8859_1)));

        proxy.offer("z", "GET /text HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\n\r\n");

        FakeProxy.Posted posted = proxy.awaitPosted("z", WAIT);
        Messages.Response response = Messages.readResponse(posted.body(), "GET");
        assertEquals(List.of("Content-Type: text/plain", "Content-Encoding: gzip"), response.headerLines());
        // The reader takes the framing header apart: the length is the compressed one.
        assertTrue(posted.text().contains("\r\nContent-Length: " + gzipped.length + "\r\n"), posted.text());
        assertArrayEquals(gzipped, response.body());
        // The client's own Accept-Encoding, not one of the client library's.
        assertEquals("GET /text HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n",
                backend.awaitRequest(WAIT).rawHead());
    }

    // Closed and reset after the request arrived: an idempotent GET is no more retried than a POST.
    @ParameterizedTest
    @CsvSource({
        "POST, false, closed the connection without answering",
        "POST, true, failed: Connection reset",
        "GET, false, closed the connection without answering",
        "GET, true, failed: Connection reset"})
    void aRequestWhoseBackendConnectionFailsIsNotRetried(String method, boolean reset, String reason) throws Exception {
        RawBackend backend = agentFor((request, connection) -> {
            connection.setSoLinger(reset, 0);
            connection.close();
        });
        String framedBody = method.equals("POST") ? "Content-Length: 8\r\n\r\ncharge=1" : "\r\n";

        proxy.offer("once", method + " /pay HTTP/1.1\r\nHost: h\r\n" + framedBody);

        Messages.Response response = answerTo("once", method);
        assertEquals(method + " /pay HTTP/1.1", backend.awaitRequest(WAIT).requestLine());
        assertNull(backend.pollRequest(Duration.ofMillis(500)), "the backend was asked again");
        assertEquals(502, response.status());
        assertTrue(response.bodyText().endsWith(reason + "\n"), response.bodyText());
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}
