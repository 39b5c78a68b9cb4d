package net.invertingproxy.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import software.amazon.awssdk.thirdparty.jackson.core.JsonGenerator;
import software.amazon.awssdk.thirdparty.jackson.core.JsonParser;
import software.amazon.awssdk.thirdparty.jackson.core.JsonToken;
import software.amazon.awssdk.thirdparty.jackson.dataformat.cbor.CBORFactory;

/**
 * CloudWatch as the SDK sees it, on loopback: it records every call (the request decoded from
 * CBOR, as recent SDKs send it) and answers as the test says: success, or an error as CloudWatch
 * gives it (a CBOR {@code __type} and the query-compatible {@code x-amzn-query-error} header).
 */
final class FakeCloudWatch implements AutoCloseable {
    private static final CBORFactory CBOR = new CBORFactory();

    /** One call: its path (naming the operation) and its decoded body. */
    record Call(String path, Map<String, Object> body) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> metricData() {
            return (List<Map<String, Object>>) body.getOrDefault("MetricData", List.of());
        }
    }

    private record Answer(int status, String errorCode, String message) {
    }

    private final HttpServer server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile Answer answer = new Answer(200, null, null);

    FakeCloudWatch() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "fake-cloudwatch");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", this::serve);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answers every later call with success. */
    void succeed() {
        answer = new Answer(200, null, null);
    }

    /** Answers every later call with this CloudWatch error. */
    void fail(int status, String errorCode, String message) {
        answer = new Answer(status, errorCode, message);
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Waits until the calls so far satisfy the condition; fails with them after the deadline. */
    List<Call> await(Predicate<List<Call>> condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<Call> now = calls();
            if (condition.test(now)) {
                return now;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("CloudWatch did not get " + what + " within " + timeout.toSeconds() + " s; calls: "
                + calls());
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
                raw = in.readAllBytes();
            }
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                    raw = in.readAllBytes();
                }
            }
            calls.add(new Call(exchange.getRequestURI().getPath(), decode(raw)));
            Answer now = answer;
            exchange.getResponseHeaders().set("smithy-protocol", "rpc-v2-cbor");
            exchange.getResponseHeaders().set("Content-Type", "application/cbor");
            byte[] body;
            if (now.errorCode() == null) {
                body = new byte[] {(byte) 0xA0};
            } else {
                exchange.getResponseHeaders().set("x-amzn-query-error", now.errorCode() + ";Sender");
                body = error(now.errorCode(), now.message());
            }
            exchange.sendResponseHeaders(now.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static byte[] error(String code, String message) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator generator = CBOR.createGenerator(out)) {
            generator.writeStartObject();
            generator.writeStringField("__type", "com.amazonaws.cloudwatch#" + code);
            generator.writeStringField("message", message);
            generator.writeEndObject();
        }
        return out.toByteArray();
    }

    static Map<String, Object> decode(byte[] cbor) throws IOException {
        if (cbor.length == 0) {
            return Map.of();
        }
        try (JsonParser parser = CBOR.createParser(cbor)) {
            parser.nextToken();
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) read(parser);
            return map;
        }
    }

    private static Object read(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.getCurrentName();
                    parser.nextToken();
                    map.put(name, read(parser));
                }
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    list.add(read(parser));
                }
                return list;
            }
            case VALUE_STRING -> {
                return parser.getText();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return parser.getNumberValue().doubleValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return parser.getBooleanValue();
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> {
                return parser.getText();
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
