package net.invertingproxy.agent.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.Messages;
import net.invertingproxy.agent.testing.RawBackend;
import net.invertingproxy.agent.testing.Wait;
import net.invertingproxy.protocol.PendingRequests;
import net.invertingproxy.protocol.WireHeaders;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The inline poll mode: polls ask for it, and requests carried in the poll answer are served without being read. */
class InlineRequestsTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String OK_RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private FakeProxy proxy() throws IOException {
        FakeProxy proxy = new FakeProxy();
        resources.add(proxy);
        return proxy;
    }

    private RawBackend backend() throws IOException {
        RawBackend backend = new RawBackend(RawBackend.answering(OK_RESPONSE));
        resources.add(backend);
        return backend;
    }

    private void agent(FakeProxy proxy, RawBackend backend, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-proxy", proxy.url(), "-backend", "test-backend",
                "-host", backend.hostAndPort()));
        args.addAll(Arrays.asList(flags));
        Agent agent = Agent.start(AgentConfig.parse(args.toArray(new String[0])));
        resources.add(() -> agent.stop(Duration.ofSeconds(1)));
    }

    @Test
    void inlineRequestIsForwardedWithoutReadingItAndPollsAskForTheMode() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend();
        agent(proxy, backend);

        proxy.offerInline("in-1", "GET /inline?x=1 HTTP/1.1\r\nHost: app.example.com\r\nAccept: */*\r\n\r\n", null);

        assertEquals("GET /inline?x=1 HTTP/1.1\r\nHost: app.example.com\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
                backend.awaitRequest(WAIT).rawHead());
        FakeProxy.Posted posted = proxy.awaitPosted("in-1", WAIT);
        assertNull(posted.failure());
        assertEquals("in-1", posted.headers().getFirst(WireHeaders.REQUEST_ID));
        Messages.Response response = Messages.readResponse(posted.body(), "GET");
        assertEquals(200, response.status());
        assertEquals("ok", response.bodyText());
        assertEquals(List.of(), proxy.reads());
        assertTrue(proxy.pollModes().stream().allMatch(WireHeaders.INLINE_POLL_MODE::equals), proxy.pollModes().toString());
        // The next poll tells the proxy the agent took it on, so the proxy does not hand it out again.
        Wait.until(() -> proxy.inlineAcks().contains("in-1"), WAIT, "a poll acknowledging in-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-inline-requests false", "-inline-requests=false"})
    void withInlineRequestsOffPollsAreThoseOfTheGoAgent(String flag) throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend();
        agent(proxy, backend, flag.split(" "));

        proxy.offer("r", "GET /read HTTP/1.1\r\nHost: h\r\n\r\n");

        assertEquals(200, Messages.readResponse(proxy.awaitPosted("r", WAIT).body(), "GET").status());
        assertEquals(List.of(new FakeProxy.Read("r", "test-backend")), proxy.reads());
        assertTrue(proxy.polls() >= 1);
        assertTrue(proxy.pollModes().stream().allMatch(Objects::isNull), proxy.pollModes().toString());
    }

    @Test
    void anAnswerMixingInlineAndReadRequestsServesBoth() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend();
        agent(proxy, backend);

        proxy.offerTogether(FakeProxy.inline("in", "OPTIONS /inline HTTP/1.1\r\nHost: h\r\n\r\n", null),
                proxy.toRead("read", "POST /read HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"));

        List<String> requestLines = List.of(backend.awaitRequest(WAIT).requestLine(),
                backend.awaitRequest(WAIT).requestLine());
        assertTrue(requestLines.containsAll(List.of("OPTIONS /inline HTTP/1.1", "POST /read HTTP/1.1")),
                requestLines.toString());
        assertEquals(200, Messages.readResponse(proxy.awaitPosted("in", WAIT).body(), "OPTIONS").status());
        assertEquals(200, Messages.readResponse(proxy.awaitPosted("read", WAIT).body(), "POST").status());
        assertEquals(List.of(new FakeProxy.Read("read", "test-backend")), proxy.reads());
        List<PendingRequests> answers = proxy.answers();
        assertEquals(1, answers.size(), answers.toString());
        assertEquals(List.of("in", "read"), answers.get(0).requestIds());
    }

    @Test
    void inlineUserIdReachesTheBackendWithForwardUserId() throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend();
        agent(proxy, backend, "-forward-user-id");

        proxy.offerInline("u", "GET / HTTP/1.1\r\nHost: h\r\nX-Inverting-Proxy-User-ID: mallory\r\n\r\n",
                "alice@example.com");

        // The client's own user header goes; the one the proxy vouches for beside the message is added.
        assertEquals("GET / HTTP/1.1\r\nHost: h\r\nX-Inverting-Proxy-User-ID: alice@example.com\r\n"
                + "Connection: keep-alive\r\n\r\n", backend.awaitRequest(WAIT).rawHead());
        assertEquals(200, Messages.readResponse(proxy.awaitPosted("u", WAIT).body(), "GET").status());
        assertEquals(List.of(), proxy.reads());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length: 5\r\n\r\nhello", "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "Content-Length: 0\r\n\r\n"})
    void inlineMessageDeclaringABodyIsAnswered400(String framingAndBody) throws Exception {
        FakeProxy proxy = proxy();
        RawBackend backend = backend();
        agent(proxy, backend);

        proxy.offerInline("b", "GET / HTTP/1.1\r\nHost: h\r\n" + framingAndBody, null);

        Messages.Response response = Messages.readResponse(proxy.awaitPosted("b", WAIT).body(), "GET");
        assertEquals(400, response.status());
        assertTrue(response.bodyText().startsWith("agent could not read the request: inline request message declares"
                + " a body"), response.bodyText());
        assertNull(backend.pollRequest(Duration.ofMillis(100)));
        assertEquals(List.of(), proxy.reads());
        // The agent goes on serving.
        proxy.offerInline("next", "GET /next HTTP/1.1\r\nHost: h\r\n\r\n", null);
        assertEquals("GET /next HTTP/1.1", backend.awaitRequest(WAIT).requestLine());
        Wait.until(() -> proxy.hasPosted("next"), WAIT, "the next request answered");
    }
}
