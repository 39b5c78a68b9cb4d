package net.invertingproxy.tunnel;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * STS and IAM as a local HTTP server: it records every request as it came and answers what the
 * test set, in AWS's XML. STS is at {@code /sts/}, IAM at the root. STS's answers can be held
 * back until the test releases them, to keep logins waiting as a slow STS would.
 */
final class FakeAws implements AutoCloseable {
    /** One request as received. */
    record Received(String method, String path, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** An answer: status and XML body. */
    record Answer(int status, String xml) {
    }

    static final String ACCOUNT = "123456789012";
    static final String ROLE = "AgentRole";
    static final String ROLE_ARN = "arn:aws:sts::" + ACCOUNT + ":assumed-role/" + ROLE + "/i-0abc";

    final List<Received> sts = new CopyOnWriteArrayList<>();
    final List<Received> iam = new CopyOnWriteArrayList<>();
    volatile Answer stsAnswer = callerIdentity(ROLE_ARN, ACCOUNT);
    volatile Answer iamAnswer = roleTags("AllowedBackends", "default");
    private final HttpServer server;
    // A thread per request, so that held STS answers do not hold the others up.
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Semaphore stsArrivals = new Semaphore(0);
    private volatile CountDownLatch stsRelease = new CountDownLatch(0);

    FakeAws() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/sts", exchange -> {
            Received received = record(exchange, sts);
            stsArrivals.release();
            awaitRelease(received);
            answer(exchange, stsAnswer);
        });
        // The SDK posts to the endpoint's root whatever path it names.
        server.createContext("/", exchange -> {
            record(exchange, iam);
            answer(exchange, iamAnswer);
        });
        server.start();
    }

    /** From now on STS answers only once {@link #releaseStsAnswers()} is called. */
    void holdStsAnswers() {
        stsRelease = new CountDownLatch(1);
    }

    /** Lets every held STS answer, and those to come, go out. */
    void releaseStsAnswers() {
        stsRelease.countDown();
    }

    /** Waits until {@code count} more requests reached STS; false if they did not within 10 s. */
    boolean awaitStsRequests(int count) throws InterruptedException {
        return stsArrivals.tryAcquire(count, 10, TimeUnit.SECONDS);
    }

    URI sts() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/sts/");
    }

    URI iam() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    static Answer callerIdentity(String arn, String account) {
        return new Answer(200, "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                + "  <GetCallerIdentityResult>\n    <Arn>" + arn + "</Arn>\n    <UserId>AROAEXAMPLE:i-0abc</UserId>\n"
                + "    <Account>" + account + "</Account>\n  </GetCallerIdentityResult>\n"
                + "  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>\n"
                + "</GetCallerIdentityResponse>\n");
    }

    /** What STS answers a request signed more than 5 minutes ago. */
    static Answer expiredSignature() {
        return new Answer(403, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                + "  <Error>\n    <Type>Sender</Type>\n    <Code>SignatureDoesNotMatch</Code>\n"
                + "    <Message>Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z"
                + " (20260101T001000Z - 5 min.)</Message>\n  </Error>\n"
                + "  <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>\n</ErrorResponse>\n");
    }

    static Answer roleTags(String key, String value) {
        return new Answer(200, "<ListRoleTagsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
                + "  <ListRoleTagsResult>\n    <IsTruncated>false</IsTruncated>\n    <Tags>\n"
                + "      <member><Key>Team</Key><Value>ops</Value></member>\n"
                + "      <member><Key>" + key + "</Key><Value>" + value + "</Value></member>\n"
                + "    </Tags>\n  </ListRoleTagsResult>\n"
                + "  <ResponseMetadata><RequestId>abc</RequestId></ResponseMetadata>\n</ListRoleTagsResponse>\n");
    }

    static Answer noSuchRole(String role) {
        return new Answer(404, "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
                + "  <Error>\n    <Type>Sender</Type>\n    <Code>NoSuchEntity</Code>\n"
                + "    <Message>The role with name " + role + " cannot be found.</Message>\n  </Error>\n"
                + "  <RequestId>abc</RequestId>\n</ErrorResponse>\n");
    }

    private static Received record(HttpExchange exchange, List<Received> log) throws IOException {
        Map<String, String> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Received received = new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), headers, body);
        log.add(received);
        return received;
    }

    // Bounded, so that a test that forgets to release fails instead of hanging.
    private void awaitRelease(Received received) throws IOException {
        try {
            if (!stsRelease.await(10, TimeUnit.SECONDS)) {
                throw new IOException("STS answer held for 10 s and never released: " + received);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while holding " + received, e);
        }
    }

    private static void answer(HttpExchange exchange, Answer answer) throws IOException {
        byte[] xml = answer.xml().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.sendResponseHeaders(answer.status(), xml.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(xml);
        }
    }

    @Override
    public void close() {
        releaseStsAnswers();
        server.stop(0);
        threads.shutdownNow();
    }
}
