package net.invertingproxy.agent.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.IntStream;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.LogCapture;
import net.invertingproxy.agent.testing.Messages;
import net.invertingproxy.agent.testing.RawBackend;
import net.invertingproxy.agent.testing.Wait;
import net.invertingproxy.logging.SecretSafeLogging;
import net.invertingproxy.protocol.AgentLogin;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent keeps the cookies the proxy's side (its load balancer) sets and sends them back on
 * its polls, reads, response posts and logins, so that they stick to one proxy instance; a cookie
 * the proxy's side expires is dropped, the store is bounded, and no cookie reaches the backend or
 * a log.
 */
class ProxyClientCookiesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String AWSALB = "AWSALB=abc123";
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }

    private static String aWeekAhead() {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusDays(7));
    }

    private static AgentConfig config(FakeProxy proxy, String backend) throws Exception {
        return AgentConfig.parse(new String[] {"-proxy", proxy.url(), "-backend", "b", "-host", backend});
    }

    private RawBackend okBackend() throws Exception {
        return closeLater(new RawBackend(RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")));
    }

    private void start(FakeProxy proxy, RawBackend backend) throws Exception {
        Agent agent = Agent.start(config(proxy, backend.hostAndPort()));
        resources.add(() -> agent.stop(Duration.ZERO));
    }

    private static void awaitCalls(FakeProxy proxy, String endpoint, int count) throws InterruptedException {
        Wait.until(() -> proxy.calls(endpoint).size() >= count, WAIT, count + " calls of " + endpoint
                + ", got " + proxy.calls(endpoint));
    }

    // Forwards one request and returns the Cookie headers of its read and of its response post.
    private static List<String> forwardOne(FakeProxy proxy, String requestId) throws Exception {
        int reads = proxy.calls("request").size();
        proxy.offer(requestId, "GET /" + requestId + " HTTP/1.1\r\nHost: h\r\n\r\n");
        FakeProxy.Posted posted = proxy.awaitPosted(requestId, WAIT);
        assertEquals("ok", Messages.readResponse(posted.body(), "GET").bodyText(), "the exchange went through");
        String postCookie = posted.headers().getFirst("Cookie");
        return List.of(proxy.calls("request").get(reads).cookie(), postCookie == null ? "" : postCookie);
    }

    private static List<String> cookieNames(String header) {
        return header.isEmpty() ? List.of()
                : Arrays.stream(header.split(";\\s*")).map(pair -> pair.substring(0, pair.indexOf('='))).toList();
    }

    @Test
    void aCookieSetOnAPollGoesBackOnTheNextPollTheReadAndTheResponsePost() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        String setCookie = AWSALB + "; Expires=" + aWeekAhead() + "; Path=/";
        proxy.setCookiesOnNext("pending", setCookie);
        RawBackend backend = okBackend();
        start(proxy, backend);

        awaitCalls(proxy, "pending", 2);
        List<FakeProxy.Call> polls = proxy.calls("pending");
        assertEquals(List.of(setCookie), polls.get(0).setCookies(), "the first poll's answer set the cookie");
        assertEquals("", polls.get(0).cookie(), "the first poll had no cookie to send");
        assertEquals(AWSALB, polls.get(1).cookie(), "the next poll sends the cookie back");

        List<String> readAndPost = forwardOne(proxy, "r1");
        assertEquals(List.of(AWSALB, AWSALB), readAndPost, "the read and the (asynchronous) response post");
        assertFalse(backend.awaitRequest(WAIT).rawHead().contains("abc123"),
                "the proxy's cookie reached the backend");
    }

    @Test
    void aCookieSetOnAReadOrAPostIsKeptToo() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        proxy.setCookiesOnNext("request", "onread=1; Path=/");
        proxy.setCookiesOnNext("response", "onpost=2; Path=/");
        start(proxy, okBackend());

        forwardOne(proxy, "r1");
        int polls = proxy.calls("pending").size();
        awaitCalls(proxy, "pending", polls + 2);

        assertEquals("onread=1; onpost=2", proxy.calls("pending").get(polls + 1).cookie());
        assertEquals(List.of("onread=1; onpost=2", "onread=1; onpost=2"), forwardOne(proxy, "r2"));
    }

    @Test
    void aCookieTheProxySideExpiresIsNoLongerSent() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        proxy.setCookiesOnNext("pending", AWSALB + "; Expires=" + aWeekAhead() + "; Path=/", "other=1; Path=/");
        start(proxy, okBackend());
        awaitCalls(proxy, "pending", 2);
        assertEquals(AWSALB + "; other=1", proxy.calls("pending").get(1).cookie());

        proxy.setCookiesOnNext("pending", "AWSALB=abc123; Max-Age=0; Path=/");
        Wait.until(() -> proxy.calls("pending").stream().anyMatch(call -> !call.setCookies().isEmpty()
                && call.setCookies().get(0).contains("Max-Age=0")), WAIT, "a poll answered with the expiry");
        List<FakeProxy.Call> polls = proxy.calls("pending");
        int expiredBy = polls.size() - 1;
        assertEquals(List.of("AWSALB=abc123; Max-Age=0; Path=/"), polls.get(expiredBy).setCookies());
        assertEquals(AWSALB + "; other=1", polls.get(expiredBy).cookie(), "sent until the proxy side expired it");
        awaitCalls(proxy, "pending", expiredBy + 3);

        for (FakeProxy.Call poll : proxy.calls("pending").subList(expiredBy + 1, expiredBy + 3)) {
            assertEquals("other=1", poll.cookie(), "the expired cookie is still sent");
        }
        assertEquals(List.of("other=1", "other=1"), forwardOne(proxy, "r1"));
    }

    @Test
    void theCookiesKeptAreBoundedAndTheAgentKeepsWorking() throws Exception {
        int limit = ProxyCookieStore.DEFAULT_LIMIT;
        String[] many = new String[200];
        for (int i = 0; i < many.length; i++) {
            many[i] = String.format("c%03d=v%03d; Expires=%s; Path=/", i, i, aWeekAhead());
        }
        FakeProxy proxy = closeLater(new FakeProxy());
        // 40 to an answer: HttpClient refuses an answer of more than 100 header lines.
        int perAnswer = 40;
        for (int from = 0; from < many.length; from += perAnswer) {
            proxy.setCookiesOnNext("pending", Arrays.copyOfRange(many, from, from + perAnswer));
        }
        int answers = many.length / perAnswer;
        try (LogCapture log = new LogCapture(ProxyCookieStore.class)) {
            start(proxy, okBackend());
            awaitCalls(proxy, "pending", answers + 1);

            List<String> sent = cookieNames(proxy.calls("pending").get(answers).cookie());
            assertEquals(limit, sent.size(), "cookies sent back: " + sent);
            List<String> newest = IntStream.range(many.length - limit, many.length)
                    .mapToObj(i -> String.format("c%03d", i)).toList();
            assertEquals(newest, sent.stream().sorted().toList(), "the newest are kept");

            List<String> readAndPost = forwardOne(proxy, "r1");
            assertEquals(limit, cookieNames(readAndPost.get(0)).size(), "the read: " + readAndPost.get(0));
            assertEquals(limit, cookieNames(readAndPost.get(1)).size(), "the post: " + readAndPost.get(1));

            // A stickiness cookie set later is kept, within the bound.
            proxy.setCookiesOnNext("pending", AWSALB + "; Path=/");
            Wait.until(() -> proxy.calls("pending").stream().anyMatch(call -> call.cookie().contains(AWSALB)), WAIT,
                    "a poll sends AWSALB back");
            List<String> after = proxy.calls("pending").stream().map(FakeProxy.Call::cookie)
                    .filter(cookie -> cookie.contains(AWSALB)).findFirst().map(ProxyClientCookiesTest::cookieNames)
                    .orElseThrow();
            assertEquals(limit, after.size(), "cookies sent back: " + after);

            List<String> warnings = log.messages(Level.WARNING);
            assertEquals(1, warnings.size(), "one warning, however often the bound is hit: " + warnings);
            assertFalse(warnings.get(0).contains("c1") || warnings.get(0).contains("v1")
                    || warnings.get(0).contains("abc123"), "the warning names a cookie: " + warnings);
        }
    }

    @Test
    void aCookieSetOnALoginGoesBackOnTheNextPoll() throws Exception {
        FakeProxy proxy = closeLater(new FakeProxy());
        proxy.setCookiesOnNext("login", AWSALB + "; Path=/");
        ProxyClient client = closeLater(new ProxyClient(config(proxy, "127.0.0.1:9"), "test"));

        assertEquals("ips_fake.session", client.login(new AgentLogin.Request(Map.of())).credential());
        client.poll(client.newPoll(List.of()));

        assertEquals("", proxy.calls("login").get(0).cookie());
        assertEquals(AWSALB, proxy.calls("pending").get(0).cookie());
    }

    @Test
    void aRejectedCookieIsNeitherKeptNorLogged() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record.getLoggerName() + ": " + record.getMessage() + " "
                        + Arrays.toString(record.getParameters()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        List<Logger> cookieLoggers = List.of(
                Logger.getLogger("org.apache.hc.client5.http.protocol.ResponseProcessCookies"),
                Logger.getLogger("org.apache.hc.client5.http.protocol.RequestAddCookies"));
        List<Level> levels = cookieLoggers.stream().map(Logger::getLevel).toList();
        Logger root = Logger.getLogger("");
        root.addHandler(handler);
        try {
            SecretSafeLogging.capRawByteLoggers();
            FakeProxy proxy = closeLater(new FakeProxy());
            // HttpClient rejects a cookie for another domain, and logs it, value included, at WARN.
            proxy.setCookiesOnNext("pending", "elsewhere=s3cr3t-value; Domain=elsewhere.example; Path=/",
                    AWSALB + "; Path=/");
            start(proxy, okBackend());
            awaitCalls(proxy, "pending", 3);

            assertEquals(AWSALB, proxy.calls("pending").get(1).cookie(), "only the acceptable cookie is kept");
            assertTrue(logged.stream().noneMatch(line -> line.contains("s3cr3t") || line.contains("abc123")),
                    "a cookie was logged: " + logged);
        } finally {
            root.removeHandler(handler);
            for (int i = 0; i < cookieLoggers.size(); i++) {
                cookieLoggers.get(i).setLevel(levels.get(i));
            }
        }
    }
}
