package net.invertingproxy.agent.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for the Cloud Map API on 127.0.0.1: it records every call the real SDK client makes
 * (action from {@code X-Amz-Target}, JSON body, arrival time) and answers with success or with the
 * errors a test scripts, in Cloud Map's {@code application/x-amz-json-1.1} protocol.
 */
public final class FakeCloudMap implements AutoCloseable {
    /** One call as the SDK sent it. */
    public record Call(String action, JsonObject body, String contentType, String authorization, long atNanos) {
        /** A top-level string field of the body. */
        public String field(String name) {
            return body.has(name) ? body.get(name).getAsString() : null;
        }

        /** The {@code Attributes} of a RegisterInstance call. */
        public Map<String, String> attributes() {
            Map<String, String> attributes = new HashMap<>();
            body.getAsJsonObject("Attributes").entrySet()
                    .forEach(e -> attributes.put(e.getKey(), e.getValue().getAsString()));
            return attributes;
        }
    }

    private record Error(int status, String type) {
    }

    private static final String TARGET_PREFIX = "Route53AutoNaming_v20170314.";

    private final HttpServer server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<Error>> scripted = new HashMap<>();
    private final Map<String, Error> always = new HashMap<>();
    private final Deque<String> operationStatuses = new ArrayDeque<>();
    private int operations;

    public FakeCloudMap() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The endpoint to give the SDK client. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The next {@code times} calls of {@code action} fail with a 400 JSON error of the given type. */
    public synchronized void failNext(String action, int times, String errorType) {
        Deque<Error> errors = scripted.computeIfAbsent(action, a -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            errors.add(new Error(400, errorType));
        }
    }

    /** Every call of {@code action} fails with the error type until {@link #heal}. */
    public synchronized void failAlways(String action, String errorType) {
        always.put(action, new Error(400, errorType));
    }

    /** Calls of {@code action} succeed again. */
    public synchronized void heal(String action) {
        always.remove(action);
    }

    /**
     * The next GetOperation calls answer these statuses in order ({@code SUBMITTED}, {@code PENDING},
     * {@code SUCCESS} or {@code FAIL}, the last with error {@code INTERNAL_FAILURE}), later ones {@code SUCCESS}.
     */
    public synchronized void operationStatuses(String... statuses) {
        operationStatuses.addAll(List.of(statuses));
    }

    /** Every call so far, in order. */
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** The calls of one action so far, in order. */
    public List<Call> calls(String action) {
        return calls.stream().filter(c -> c.action().equals(action)).collect(Collectors.toList());
    }

    /** Waits up to {@code timeout} for a call matching the condition and returns the first. */
    public Call await(String action, Predicate<Call> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Call call : calls(action)) {
                if (condition.test(call)) {
                    return call;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no " + action + " call as expected within " + timeout + "; calls: "
                + calls().stream().map(c -> c.action() + " " + c.body()).collect(Collectors.toList()));
    }

    /** Waits up to {@code timeout} for at least {@code count} calls of the action. */
    public List<Call> awaitCount(String action, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (calls(action).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + calls(action).size() + " " + action + " calls of " + count
                        + " within " + timeout);
            }
            Thread.sleep(10);
        }
        return calls(action);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String target = String.valueOf(exchange.getRequestHeaders().getFirst("X-Amz-Target"));
            String action = target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length()) : target;
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            JsonObject body = text.isBlank() ? new JsonObject() : JsonParser.parseString(text).getAsJsonObject();
            calls.add(new Call(action, body, exchange.getRequestHeaders().getFirst("Content-Type"),
                    exchange.getRequestHeaders().getFirst("Authorization"), System.nanoTime()));
            Error error = errorFor(action);
            if (error != null) {
                reply(exchange, error.status(), "{\"__type\":\"" + error.type() + "\",\"message\":\"scripted "
                        + error.type() + "\"}");
            } else {
                reply(exchange, 200, answer(action, body));
            }
        }
    }

    private synchronized Error errorFor(String action) {
        Deque<Error> next = scripted.get(action);
        if (next != null && !next.isEmpty()) {
            return next.poll();
        }
        return always.get(action);
    }

    private synchronized String answer(String action, JsonObject body) {
        switch (action) {
            case "RegisterInstance":
            case "DeregisterInstance":
                return "{\"OperationId\":\"op-" + (++operations) + "\"}";
            case "GetOperation":
                String status = operationStatuses.isEmpty() ? "SUCCESS" : operationStatuses.poll();
                return "{\"Operation\":{\"Id\":\"" + body.get("OperationId").getAsString()
                        + "\",\"Type\":\"REGISTER_INSTANCE\",\"Status\":\"" + status + "\""
                        + ("FAIL".equals(status) ? ",\"ErrorCode\":\"INTERNAL_FAILURE\",\"ErrorMessage\":\"scripted failure\"" : "")
                        + "}}";
            case "ListServices":
                return "{\"Services\":[{\"Id\":\"srv-found\",\"Name\":\"billing-service\"}]}";
            default:
                return "{}";
        }
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.getResponseHeaders().set("x-amzn-RequestId", "test-request");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
