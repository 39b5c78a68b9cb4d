package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;

/**
 * Speaks exactly as Google's Go agent (agent/utils/utils.go) does on the wire: its header
 * spellings and the headers Go's HTTP client adds, {@code http.ReadRequest}'s reading of the
 * request message, and the answer as {@code http.Response.Write} lays it out inside a POST whose
 * length Go's client does not know (so chunked). It is a legacy agent: no credential.
 */
final class GoLikeAgent {
    private static final String BACKEND = "X-Inverting-Proxy-Backend-Id: default";
    private static final List<String> GO_CLIENT_HEADERS = List.of("User-Agent: Go-http-client/1.1", "Accept-Encoding: gzip");
    // The ResponseForwarder drops these from the backend's answer before writing it.
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "proxy-connection", "keep-alive",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade");
    // http.Response.Write writes its own framing instead of these (respExcludeHeader).
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "trailer");

    private final int port;
    private final RawAgent raw;

    GoLikeAgent(int port) {
        this.port = port;
        this.raw = new RawAgent(port);
    }

    /** {@code GET agent/pending}; as the Go agent, an empty body is no work, anything else must be a JSON list (null included). */
    List<String> pollIds() throws IOException {
        RawResponse answer = raw.call("GET", "/agent/pending", headers(BACKEND), null);
        assertEquals(200, answer.status(), answer.toString());
        String body = answer.bodyText();
        if (body.isEmpty()) {
            return List.of();
        }
        List<String> ids = new Gson().fromJson(body, new TypeToken<List<String>>() { }.getType());
        return ids == null ? List.of() : ids;
    }

    /** {@code GET agent/request}: the start time parsed as RFC 3339, the message as {@code http.ReadRequest} reads it. */
    ForwardedRequest readRequest(String requestId) throws IOException {
        RawResponse answer = raw.call("GET", "/agent/request",
                headers(BACKEND, "X-Inverting-Proxy-Request-Id: " + requestId), null);
        assertEquals(200, answer.status(), answer.toString());
        String startTime = answer.header("X-Inverting-Proxy-Request-Start-Time");
        assertNotNull(startTime, answer.toString());
        Instant.parse(startTime);
        byte[] message = answer.body();
        // Go's transport undoes a gzip it asked for before the agent sees the body.
        if ("gzip".equalsIgnoreCase(answer.header("Content-Encoding"))) {
            message = new GZIPInputStream(new ByteArrayInputStream(message)).readAllBytes();
        }
        return ForwardedRequest.read(message);
    }

    /**
     * Answers as the Go agent's ResponseForwarder does when the backend answered with this status,
     * headers and body: hop-by-hop headers dropped, the backend's framing replaced by Go's
     * ({@code Content-Length: 0} for an empty body, else {@code Connection: close} and the body
     * running to the end of the post), the rest sorted by name.
     */
    RawResponse answer(String requestId, int status, List<String> backendHeaders, String body) throws IOException {
        List<String[]> kept = new ArrayList<>();
        for (String line : backendHeaders) {
            int colon = line.indexOf(':');
            String name = canonical(line.substring(0, colon).trim());
            String lower = name.toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(lower) && !FRAMING.contains(lower)) {
                kept.add(new String[] {name, line.substring(colon + 1).trim()});
            }
        }
        kept.sort(Comparator.comparing((String[] header) -> header[0]));
        StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " " + statusText(status) + "\r\n");
        head.append(body.isEmpty() ? "Content-Length: 0\r\n" : "Connection: close\r\n");
        for (String[] header : kept) {
            head.append(header[0]).append(": ").append(header[1]).append("\r\n");
        }
        head.append("\r\n");
        return postChunked(requestId, body.isEmpty() ? List.of(head.toString()) : List.of(head.toString(), body));
    }

    /** {@code POST agent/response} with the pieces as the chunks of a body of unknown length, as Go's client sends a pipe. */
    RawResponse postChunked(String requestId, List<String> pieces) throws IOException {
        List<String> lines = new ArrayList<>(List.of("POST /agent/response HTTP/1.1", "Host: 127.0.0.1:" + port));
        lines.addAll(headers(BACKEND, "X-Inverting-Proxy-Request-Id: " + requestId,
                "Content-Type: text/plain", "Transfer-Encoding: chunked"));
        try (RawAgent.Post post = raw.openPost(lines)) {
            for (String piece : pieces) {
                post.chunk(piece);
            }
            return post.finish();
        }
    }

    private static List<String> headers(String... own) {
        List<String> all = new ArrayList<>(GO_CLIENT_HEADERS);
        all.addAll(List.of(own));
        return all;
    }

    // net/http's CanonicalMIMEHeaderKey: "etag" and "ETag" both become "Etag".
    private static String canonical(String name) {
        StringBuilder out = new StringBuilder(name.length());
        boolean upper = true;
        for (char c : name.toCharArray()) {
            out.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
            upper = c == '-';
        }
        return out.toString();
    }

    private static String statusText(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 404 -> "Not Found";
            default -> throw new IllegalArgumentException("no status text for " + status + " in this test agent");
        };
    }

    /**
     * A client request as Go's {@code http.ReadRequest} parses it from the proxy's answer: the
     * request line split at single spaces, header lines as {@code textproto} takes them (a bad one
     * is an error, not skipped), Host taken out of the headers, and the body framed by
     * Transfer-Encoding (only {@code chunked} is known) or Content-Length, else empty.
     *
     * @param contentLength the declared length, or -1 for a chunked body
     * @param leftover      bytes after the end of the message, which Go would never read
     */
    record ForwardedRequest(String method, String requestUri, String host, List<Map.Entry<String, String>> headers,
                            long contentLength, byte[] body, List<Map.Entry<String, String>> trailers, int leftover) {

        List<String> headerValues(String name) {
            return headers.stream().filter(header -> header.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        static ForwardedRequest read(byte[] message) throws IOException {
            InputStream in = new ByteArrayInputStream(message);
            String requestLine = RawResponse.readLine(in);
            String[] parts = requestLine.split(" ", -1);
            if (parts.length != 3 || !parts[2].equals("HTTP/1.1") || !parts[0].matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")
                    || !(parts[1].startsWith("/") || parts[1].equals("*"))) {
                throw new IOException("malformed HTTP request \"" + requestLine + "\"");
            }
            List<Map.Entry<String, String>> headers = readMimeHeader(in);
            String host = null;
            List<Map.Entry<String, String>> rest = new ArrayList<>();
            for (Map.Entry<String, String> header : headers) {
                if (header.getKey().equalsIgnoreCase("Host")) {
                    host = host == null ? header.getValue() : host;
                } else {
                    rest.add(header);
                }
            }
            List<String> transferEncodings = valuesOf(rest, "Transfer-Encoding");
            List<String> lengths = valuesOf(rest, "Content-Length");
            if (transferEncodings.size() > 1) {
                throw new IOException("too many transfer encodings: " + transferEncodings);
            }
            boolean chunked = transferEncodings.size() == 1;
            if (chunked && !transferEncodings.get(0).equalsIgnoreCase("chunked")) {
                throw new IOException("unsupported transfer encoding: " + transferEncodings.get(0));
            }
            if (lengths.stream().distinct().count() > 1) {
                throw new IOException("http: message cannot contain multiple Content-Length headers; got " + lengths);
            }
            rest.removeIf(header -> header.getKey().equalsIgnoreCase("Transfer-Encoding")
                    || chunked && header.getKey().equalsIgnoreCase("Content-Length"));
            byte[] body;
            long contentLength;
            List<Map.Entry<String, String>> trailers = List.of();
            if (chunked) {
                contentLength = -1;
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                while (true) {
                    String sizeLine = RawResponse.readLine(in);
                    String size = sizeLine.contains(";") ? sizeLine.substring(0, sizeLine.indexOf(';')) : sizeLine;
                    if (!size.trim().matches("[0-9a-fA-F]{1,16}")) {
                        throw new IOException("malformed chunked encoding: \"" + sizeLine + "\"");
                    }
                    int length = Integer.parseInt(size.trim(), 16);
                    if (length == 0) {
                        break;
                    }
                    out.write(RawResponse.readExactly(in, length));
                    if (!RawResponse.readLine(in).isEmpty()) {
                        throw new IOException("malformed chunked encoding: no CRLF after a chunk");
                    }
                }
                trailers = readMimeHeader(in);
                body = out.toByteArray();
            } else if (!lengths.isEmpty()) {
                if (!lengths.get(0).matches("[0-9]+")) {
                    throw new IOException("bad Content-Length \"" + lengths.get(0) + "\"");
                }
                contentLength = Long.parseLong(lengths.get(0));
                body = RawResponse.readExactly(in, Math.toIntExact(contentLength));
            } else {
                // A request with neither has no body (unlike a response, which would run to EOF).
                contentLength = 0;
                body = new byte[0];
            }
            return new ForwardedRequest(parts[0], parts[1], host, rest, contentLength, body, trailers, in.available());
        }

        // textproto.Reader.ReadMIMEHeader: a name is a token right before the colon, kept in its
        // canonical spelling; the value loses surrounding blanks and may hold no control character but a tab.
        private static List<Map.Entry<String, String>> readMimeHeader(InputStream in) throws IOException {
            List<Map.Entry<String, String>> fields = new ArrayList<>();
            String line;
            while (!(line = RawResponse.readLine(in)).isEmpty()) {
                int colon = line.indexOf(':');
                if (colon <= 0 || !line.substring(0, colon).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")
                        || line.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                    throw new IOException("malformed MIME header line: " + line);
                }
                fields.add(Map.entry(canonical(line.substring(0, colon)), line.substring(colon + 1).strip()));
            }
            return fields;
        }

        private static List<String> valuesOf(List<Map.Entry<String, String>> fields, String name) {
            return fields.stream().filter(field -> field.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
        }
    }
}
