package net.invertingproxy.agent.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;

import net.invertingproxy.protocol.PendingRequest;
import net.invertingproxy.protocol.PendingRequests;
import net.invertingproxy.protocol.WireHeaders;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * A tiny stand-in for the proxy's agent endpoints on 127.0.0.1: it hands out the request IDs it was
 * given (or, as in the inline poll mode, whole requests), serves hand-written request messages and
 * captures the response messages the agent posts.
 */
public final class FakeProxy implements AutoCloseable {
    /** What the agent posted to {@code agent/response}: headers, the bytes that arrived, and the read failure if the upload broke. */
    public record Posted(Headers headers, byte[] body, IOException failure) {
        public String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * One call the agent made to an endpoint ({@code pending}, {@code request}, {@code response},
     * {@code login}): the {@code Cookie} header it carried ("" for none) and the {@code Set-Cookie}
     * headers its answer carried.
     */
    public record Call(String cookie, List<String> setCookies) {
    }

    /** One {@code agent/request} read, as the agent sent it. */
    public record Read(String requestId, String backendId) {
    }

    /**
     * A request read served as a tunnelled WebSocket handshake (protocol section 4): its answer
     * stays open after the message and carries what the test sends as the client's bytes; what the
     * agent posts for it is visible as it arrives.
     */
    public static final class Tunnel {
        private static final Object END = new Object();
        private static final Object BREAK = new Object();
        private final BlockingQueue<Object> toAgent = new LinkedBlockingQueue<>();
        private final ByteArrayOutputStream posted = new ByteArrayOutputStream();

        /** Sends {@code text} to the agent as the client's bytes, flushed at once. */
        public void send(String text) {
            toAgent.add(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        /** Ends the request read cleanly (its last chunk), as when the client closes its side. */
        public void end() {
            toAgent.add(END);
        }

        /** Breaks the request read off (connection closed, no last chunk), as when the client's connection breaks. */
        public void breakOff() {
            toAgent.add(BREAK);
        }

        /** The bytes of the response post that arrived so far, as text. */
        public String postedSoFar() {
            synchronized (posted) {
                return posted.toString(StandardCharsets.ISO_8859_1);
            }
        }

        /** Waits until the response post so far contains {@code text}. */
        public void awaitPosted(String text, Duration timeout) throws InterruptedException {
            Wait.until(() -> postedSoFar().contains(text), timeout, "the post carries \"" + text + "\"; it has \""
                    + postedSoFar() + "\"");
        }

        void postedBytes(byte[] buffer, int length) {
            synchronized (posted) {
                posted.write(buffer, 0, length);
            }
        }

        void serve(OutputStream out) throws IOException, InterruptedException {
            while (true) {
                Object next = toAgent.take();
                if (next == END) {
                    out.close();
                    return;
                } else if (next == BREAK) {
                    // HttpServer closes the connection, without the last chunk, when a handler throws.
                    throw new IOException("the fake proxy breaks the request read off");
                }
                out.write((byte[]) next);
                out.flush();
            }
        }
    }

    private final HttpServer server;
    private final String scheme;
    private final ExecutorService executor = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "fake-proxy");
        thread.setDaemon(true);
        return thread;
    });
    // Each offer is one batch, so that what is offered together is answered to one poll.
    private final BlockingQueue<List<PendingRequest>> pending = new LinkedBlockingQueue<>();
    private final Map<String, byte[]> messages = new ConcurrentHashMap<>();
    private final Map<String, String> userIds = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Posted>> posted = new ConcurrentHashMap<>();
    private final List<Read> reads = new CopyOnWriteArrayList<>();
    private final List<String> pollBackendIds = new CopyOnWriteArrayList<>();
    // The poll-mode header of every poll, null where there was none.
    private final List<String> pollModes = new CopyOnWriteArrayList<>();
    private final List<String> inlineAcks = new CopyOnWriteArrayList<>();
    private final List<PendingRequests> answers = new CopyOnWriteArrayList<>();
    private final AtomicInteger failingPolls = new AtomicInteger();
    private volatile Duration pollHold = Duration.ofMillis(100);
    private volatile int postStatus = 200;
    private volatile long breakPostsAfter = -1;
    // How many of the next posts are cut off (connection closed, no answer) as soon as they start.
    private final java.util.concurrent.atomic.AtomicInteger postsToCut = new java.util.concurrent.atomic.AtomicInteger();
    private final Map<String, List<Posted>> everyPost = new ConcurrentHashMap<>();
    private final Map<String, Tunnel> tunnels = new ConcurrentHashMap<>();
    // The X-Inverting-Proxy-Upgrade header of every request read by request ID, "" where there was none.
    private final Map<String, String> readUpgrades = new ConcurrentHashMap<>();
    // By endpoint: the Set-Cookie headers of its next answers, one list per answer.
    private final Map<String, BlockingQueue<List<String>>> cookiesToSet = new ConcurrentHashMap<>();
    // By endpoint: every call to it, in the order they arrived.
    private final Map<String, List<Call>> calls = new ConcurrentHashMap<>();

    public FakeProxy() throws IOException {
        this(null);
    }

    /** A stand-in speaking HTTPS with {@code tls} (its key and certificate), or plain HTTP for null. */
    public FakeProxy(SSLContext tls) throws IOException {
        // A burst of hundreds of posts connects at once: the default backlog (50) would refuse some.
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
        if (tls == null) {
            server = HttpServer.create(address, 1024);
        } else {
            HttpsServer https = HttpsServer.create(address, 1024);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        scheme = tls == null ? "http" : "https";
        server.createContext("/agent/pending", this::pending);
        server.createContext("/agent/request", this::request);
        server.createContext("/agent/response", this::response);
        server.createContext("/agent/login", this::login);
        server.setExecutor(executor);
        server.start();
    }

    /** The proxy URL for {@code -proxy}, with its trailing slash. */
    public String url() {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** Parks a request: the next poll hands out its ID and {@code agent/request} serves {@code message}. */
    public void offer(String requestId, String message) {
        offer(requestId, message.getBytes(StandardCharsets.ISO_8859_1), null);
    }

    /**
     * Parks a WebSocket handshake: the next poll hands out its ID and, if the agent's read offers the
     * upgrade, the read is answered as a tunnel: with {@link WireHeaders#UPGRADE}, the message, and
     * then the client's bytes as the returned tunnel sends them. Without the offer the message is
     * served as an ordinary request.
     */
    public Tunnel offerTunnel(String requestId, String handshake) {
        Tunnel tunnel = new Tunnel();
        tunnels.put(requestId, tunnel);
        offer(requestId, handshake);
        return tunnel;
    }

    /** The {@link WireHeaders#UPGRADE} header of the read of {@code requestId}, or null if it had none or was not read. */
    public String upgradeOfferedOnRead(String requestId) {
        String value = readUpgrades.get(requestId);
        return value == null || value.isEmpty() ? null : value;
    }

    /** As {@link #offer(String, String)}, with the user ID the proxy vouches for. */
    public void offer(String requestId, byte[] message, String userId) {
        messages.put(requestId, message);
        if (userId != null) {
            userIds.put(requestId, userId);
        }
        pending.add(List.of(PendingRequest.toRead(requestId)));
    }

    /** Hands out {@code message} inline in a poll answer, whatever mode the poll asked for; it cannot be read. */
    public void offerInline(String requestId, String message, String userId) {
        pending.add(List.of(inline(requestId, message, userId)));
    }

    /** An inline entry for {@link #offerTogether}. */
    public static PendingRequest inline(String requestId, String message, String userId) {
        return new PendingRequest(requestId, message, userId);
    }

    /** An entry to read for {@link #offerTogether}, whose read serves {@code message}. */
    public PendingRequest toRead(String requestId, String message) {
        messages.put(requestId, message.getBytes(StandardCharsets.ISO_8859_1));
        return PendingRequest.toRead(requestId);
    }

    /** Offers entries so that one poll answer carries them all. */
    public void offerTogether(PendingRequest... entries) {
        pending.add(List.of(entries));
    }

    /** Hands out an ID whose read is answered 404, as for a request that expired or another agent took. */
    public void offerGone(String requestId) {
        pending.add(List.of(PendingRequest.toRead(requestId)));
    }

    /** Offers several IDs so that one poll answer carries them all. */
    public void offerAll(Map<String, String> messagesById) {
        List<PendingRequest> entries = new ArrayList<>();
        messagesById.forEach((id, message) -> entries.add(toRead(id, message)));
        pending.add(entries);
    }

    /** The next {@code count} polls fail with 500. */
    public void failPolls(int count) {
        failingPolls.set(count);
    }

    /** How long an empty poll is held before the answer {@code null}. */
    public void holdPolls(Duration hold) {
        pollHold = hold;
    }

    /** Response posts are cut off (connection closed unread) once this many body bytes arrived. */
    public void breakPostsAfter(long bytes) {
        breakPostsAfter = bytes;
    }

    /** The next {@code count} response posts are cut off unanswered (connection closed) once they start. */
    public void cutNextPosts(int count) {
        postsToCut.set(count);
    }

    /** Every post received for {@code requestId} so far, cut off or whole, in order. */
    public List<Posted> postsFor(String requestId) {
        return List.copyOf(everyPost.getOrDefault(requestId, List.of()));
    }

    /** The status answered to response posts. */
    public void answerPostsWith(int status) {
        postStatus = status;
    }

    /** Waits for the response posted for {@code requestId}. */
    public Posted awaitPosted(String requestId, Duration timeout) throws Exception {
        return future(requestId).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether a response was posted for {@code requestId} by now. */
    public boolean hasPosted(String requestId) {
        return future(requestId).isDone();
    }

    /** Every {@code agent/request} read so far. */
    public List<Read> reads() {
        return List.copyOf(reads);
    }

    /** How many polls arrived so far. */
    public int polls() {
        return pollBackendIds.size();
    }

    /** The backend-ID header of every poll so far. */
    public List<String> pollBackendIds() {
        return List.copyOf(pollBackendIds);
    }

    /** The {@link WireHeaders#POLL_MODE} header of every poll so far, null for a poll without one. */
    /** The inline-ack headers polls carried, in order. */
    public List<String> inlineAcks() {
        return new ArrayList<>(inlineAcks);
    }

    public List<String> pollModes() {
        return new ArrayList<>(pollModes);
    }

    /** Every poll answer that handed out requests, in order. */
    public List<PendingRequests> answers() {
        return List.copyOf(answers);
    }

    /**
     * The next answer to a call of {@code endpoint} ({@code pending}, {@code request}, {@code
     * response} or {@code login}) carries {@code setCookies} as its {@code Set-Cookie} headers, in
     * this order; called again, the answer after that carries the next ones.
     */
    public void setCookiesOnNext(String endpoint, String... setCookies) {
        cookiesToSet.computeIfAbsent(endpoint, e -> new LinkedBlockingQueue<>()).add(List.of(setCookies));
    }

    /** Every call to {@code endpoint} so far ({@code pending}, {@code request}, {@code response}, {@code login}), in order. */
    public List<Call> calls(String endpoint) {
        return List.copyOf(calls.getOrDefault(endpoint, List.of()));
    }

    // Records the call's cookies and adds the Set-Cookie headers meant for its answer.
    private void cookies(HttpExchange exchange, String endpoint) {
        BlockingQueue<List<String>> queue = cookiesToSet.get(endpoint);
        List<String> set = queue == null ? null : queue.poll();
        set = set == null ? List.of() : set;
        for (String value : set) {
            exchange.getResponseHeaders().add("Set-Cookie", value);
        }
        String cookie = String.join("; ", exchange.getRequestHeaders().getOrDefault("Cookie", List.of()));
        calls.computeIfAbsent(endpoint, e -> new CopyOnWriteArrayList<>()).add(new Call(cookie, set));
    }

    // An AWS login is answered with a session, whatever it carries.
    private void login(HttpExchange exchange) throws IOException {
        cookies(exchange, "login");
        exchange.getRequestBody().readAllBytes();
        answer(exchange, 200, "{\"credential\": \"ips_fake.session\", \"expiresInSeconds\": 900}");
    }

    private CompletableFuture<Posted> future(String requestId) {
        return posted.computeIfAbsent(requestId, id -> new CompletableFuture<>());
    }

    private void pending(HttpExchange exchange) throws IOException {
        cookies(exchange, "pending");
        pollBackendIds.add(String.valueOf(exchange.getRequestHeaders().getFirst("X-Inverting-Proxy-Backend-ID")));
        pollModes.add(exchange.getRequestHeaders().getFirst(WireHeaders.POLL_MODE));
        String ack = exchange.getRequestHeaders().getFirst(WireHeaders.INLINE_ACK);
        if (ack != null) {
            inlineAcks.add(ack);
        }
        if (failingPolls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            answer(exchange, 500, "poll failure for the test");
            return;
        }
        List<List<PendingRequest>> batches = new ArrayList<>();
        try {
            List<PendingRequest> first = pending.poll(pollHold.toMillis(), TimeUnit.MILLISECONDS);
            if (first != null) {
                batches.add(first);
                pending.drainTo(batches);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (batches.isEmpty()) {
            answer(exchange, 200, "null");
            return;
        }
        PendingRequests answer = new PendingRequests(batches.stream().flatMap(List::stream).toList());
        answers.add(answer);
        answer(exchange, 200, answer.toJson());
    }

    private void request(HttpExchange exchange) throws IOException {
        cookies(exchange, "request");
        String requestId = exchange.getRequestHeaders().getFirst("X-Inverting-Proxy-Request-ID");
        reads.add(new Read(requestId, exchange.getRequestHeaders().getFirst("X-Inverting-Proxy-Backend-ID")));
        String upgrade = exchange.getRequestHeaders().getFirst(WireHeaders.UPGRADE);
        if (requestId != null) {
            readUpgrades.put(requestId, upgrade == null ? "" : upgrade);
        }
        byte[] message = requestId == null ? null : messages.remove(requestId);
        if (message == null) {
            answer(exchange, 404, "no such request");
            return;
        }
        Tunnel tunnel = tunnels.get(requestId);
        if (tunnel != null && WireHeaders.WEBSOCKET.equals(upgrade)) {
            exchange.getResponseHeaders().add(WireHeaders.UPGRADE, WireHeaders.WEBSOCKET);
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write(message);
            out.flush();
            try {
                tunnel.serve(out);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        exchange.getResponseHeaders().add("X-Inverting-Proxy-Request-Start-Time", "2026-11-22T01:02:03.123456789Z");
        String userId = userIds.remove(requestId);
        if (userId != null) {
            exchange.getResponseHeaders().add("X-Inverting-Proxy-User-ID", userId);
        }
        exchange.sendResponseHeaders(200, message.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(message);
        }
    }

    private void response(HttpExchange exchange) throws IOException {
        cookies(exchange, "response");
        String requestId = exchange.getRequestHeaders().getFirst("X-Inverting-Proxy-Request-ID");
        if (postsToCut.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            everyPost.computeIfAbsent(requestId, id -> new java.util.concurrent.CopyOnWriteArrayList<>())
                    .add(new Posted(exchange.getRequestHeaders(), new byte[0], new IOException("cut off by the test")));
            // HttpServer closes the connection, unanswered, when a handler throws.
            throw new IOException("the fake proxy cuts the post off");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        IOException failure = null;
        try (InputStream in = exchange.getRequestBody()) {
            byte[] buffer = new byte[8192];
            int read;
            Tunnel tunnel = requestId == null ? null : tunnels.get(requestId);
            while ((read = in.read(buffer)) != -1) {
                body.write(buffer, 0, read);
                if (tunnel != null) {
                    tunnel.postedBytes(buffer, read);
                }
                if (breakPostsAfter >= 0 && body.size() >= breakPostsAfter) {
                    future(requestId).complete(new Posted(exchange.getRequestHeaders(), body.toByteArray(),
                            new IOException("cut off by the test")));
                    // HttpServer closes the connection, unread, when a handler throws.
                    throw new IOException("the fake proxy cuts the upload off");
                }
            }
        } catch (IOException e) {
            if (breakPostsAfter >= 0) {
                throw e;
            }
            failure = e;
        }
        Posted whole = new Posted(exchange.getRequestHeaders(), body.toByteArray(), failure);
        everyPost.computeIfAbsent(requestId, id -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(whole);
        future(requestId).complete(whole);
        if (failure != null) {
            exchange.close();
            return;
        }
        answer(exchange, postStatus, "");
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
