package net.invertingproxy.agent.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.Messages;
import net.invertingproxy.agent.testing.RawBackend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent is no smuggling vector: whatever request message it reads from the proxy (RFC 9112
 * framing that two readers could disagree on, line breaks where a header value should be), the
 * backend, which reads every byte the agent sends on a raw socket, gets at most the one request,
 * framed by the agent itself, and never the request hidden in the message.
 */
class WireMessageSmugglingTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
    private static final String LAST_CHUNK_THEN_SMUGGLED = "0\r\n\r\n" + SMUGGLED;
    private static final String OK_RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    /**
     * Each message, the status the agent answers, and the request line and body the backend gets
     * (null: the backend gets nothing).
     */
    static Stream<Arguments> messages() {
        return Stream.of(
                // RFC 9112 section 6.3 item 3: the chunking wins (MessageReaderTest pins this), and
                // what follows the last chunk is never read as a request.
                Arguments.of("Content-Length and chunked", "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: "
                        + LAST_CHUNK_THEN_SMUGGLED.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + LAST_CHUNK_THEN_SMUGGLED, 200, "POST /x HTTP/1.1", ""),
                // Item 5: differing lengths cannot frame a message.
                Arguments.of("two differing Content-Lengths", "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                        + "Content-Length: " + (5 + SMUGGLED.length()) + "\r\n\r\nhello" + SMUGGLED, 400, null, null),
                Arguments.of("chunked, then a hidden request", "POST /x HTTP/1.1\r\nHost: h\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n" + LAST_CHUNK_THEN_SMUGGLED,
                        200, "POST /x HTTP/1.1", "hello"),
                Arguments.of("a body longer than its Content-Length", "POST /x HTTP/1.1\r\nHost: h\r\n"
                        + "Content-Length: 5\r\n\r\nhello" + SMUGGLED, 200, "POST /x HTTP/1.1", "hello"),
                // Section 2.2: a bare CR is no line end; it must not become one on the way to the backend.
                Arguments.of("bare CR in a header value", "GET /x HTTP/1.1\r\nHost: h\r\nX-A: a\r" + SMUGGLED,
                        200, "GET /x HTTP/1.1", ""),
                // Section 5.2: a folded line continues the value before it.
                Arguments.of("obs-fold", "GET /x HTTP/1.1\r\nHost: h\r\nX-A: a\r\n GET /smuggled HTTP/1.1\r\n\r\n",
                        200, "GET /x HTTP/1.1", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messages")
    void theBackendGetsAtMostTheOneRequest(String name, String message, int status, String requestLine, String body)
            throws Exception {
        FakeProxy proxy = new FakeProxy();
        resources.add(proxy);
        RawBackend backend = new RawBackend(RawBackend.answering(OK_RESPONSE));
        resources.add(backend);
        Agent agent = Agent.start(AgentConfig.parse(new String[] {"-proxy", proxy.url(), "-backend", "test-backend",
            "-host", backend.hostAndPort()}));
        resources.add(() -> agent.stop(Duration.ofSeconds(1)));

        proxy.offer("m", message);

        Messages.Response answer = Messages.readResponse(proxy.awaitPosted("m", WAIT).body(), "POST");
        assertEquals(status, answer.status(), answer.bodyText());
        if (requestLine == null) {
            assertNull(backend.pollRequest(Duration.ofMillis(500)), "the backend got a request");
            return;
        }
        RawBackend.Received received = backend.awaitRequest(WAIT);
        assertEquals(requestLine, received.requestLine());
        assertEquals(body, received.bodyText());
        assertNoLineBreakInsideAHeader(received.rawHead());
        // The hidden request would follow on the same connection, or come on another.
        assertNull(backend.pollRequest(Duration.ofMillis(500)), "the backend got a second request");
    }

    // Every line of the head the backend got must be a whole header line: a CR, LF or NUL inside one
    // would let the next reader split it differently (RFC 9110 section 5.5).
    private static void assertNoLineBreakInsideAHeader(String rawHead) throws IOException {
        String[] lines = rawHead.substring(0, rawHead.length() - 4).split("\r\n", -1);
        for (String line : lines) {
            assertEquals(-1, line.indexOf('\r'), () -> "bare CR in " + line);
            assertEquals(-1, line.indexOf('\n'), () -> "bare LF in " + line);
            assertEquals(-1, line.indexOf('\0'), () -> "NUL in " + line);
        }
    }
}
