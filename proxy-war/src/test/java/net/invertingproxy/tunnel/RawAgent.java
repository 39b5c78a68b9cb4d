package net.invertingproxy.tunnel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import net.invertingproxy.protocol.PendingRequests;

/**
 * A hand-played agent: each call to the proxy is written byte for byte on its own raw socket
 * ({@code Connection: close}), so a test controls exactly what the proxy receives, when, and how
 * the connection ends.
 */
public final class RawAgent {
    public static final String BACKEND_HEADER = "X-Inverting-Proxy-Backend-ID";
    public static final String REQUEST_HEADER = "X-Inverting-Proxy-Request-ID";

    private final int port;
    private final String backendId;
    // "Authorization: Bearer ..." when the agent presents a credential; none for a Go-like legacy agent.
    private final List<String> credentialLines;

    public RawAgent(int port) {
        this(port, "default");
    }

    public RawAgent(int port, String backendId) {
        this(port, backendId, null);
    }

    /** An agent for {@code backendId} that presents {@code credential} on every call (none if null). */
    public RawAgent(int port, String backendId, String credential) {
        this.port = port;
        this.backendId = backendId;
        this.credentialLines = credential == null ? List.of() : List.of("Authorization: Bearer " + credential);
    }

    /** Any call: the request line, Host, {@code Connection: close}, the given header lines, and a Content-Length body if one is given. */
    public RawResponse call(String method, String path, List<String> headerLines, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder()
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n")
                .append("Connection: close\r\n");
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        try (RawClient connection = RawClient.connect(port)) {
            connection.send(head.toString());
            if (body != null) {
                connection.send(body);
            }
            return connection.readResponse();
        }
    }

    /** {@code GET agent/pending}; the answer as it came. */
    public RawResponse poll() throws IOException {
        List<String> headers = new ArrayList<>(credentialLines);
        headers.add(BACKEND_HEADER + ": " + backendId);
        return call("GET", "/agent/pending", headers, null);
    }

    /** {@code GET agent/pending}, which must answer 200 with a JSON list; the IDs in it. */
    public List<String> pollIds() throws IOException {
        RawResponse answer = poll();
        if (answer.status() != 200) {
            throw new AssertionError("poll answered " + answer);
        }
        try {
            return PendingRequests.parse(answer.bodyText()).requestIds();
        } catch (IOException e) {
            throw new AssertionError("poll answered " + answer, e);
        }
    }

    /** {@code GET agent/request} for the ID. */
    public RawResponse readRequest(String requestId) throws IOException {
        return call("GET", "/agent/request", idHeaders(requestId), null);
    }

    /** {@code POST agent/response} for the ID with the message as a Content-Length body. */
    public RawResponse postResponse(String requestId, String message) throws IOException {
        return postResponse(requestId, message.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawResponse postResponse(String requestId, byte[] message) throws IOException {
        List<String> headers = new ArrayList<>(idHeaders(requestId));
        headers.add("Content-Type: text/plain");
        return call("POST", "/agent/response", headers, message);
    }

    /** Starts {@code POST agent/response} for the ID with a chunked body, sent piece by piece. */
    public Post openPost(String requestId) throws IOException {
        return openPost(List.of(
                "POST /agent/response HTTP/1.1",
                "Host: 127.0.0.1:" + port,
                BACKEND_HEADER + ": " + backendId,
                REQUEST_HEADER + ": " + requestId,
                "Content-Type: text/plain",
                "Transfer-Encoding: chunked",
                String.join("\r\n", credentialLines)).stream().filter(line -> !line.isEmpty()).toList());
    }

    /** Starts a chunked post whose request line and headers are exactly the given lines. */
    public Post openPost(List<String> headLines) throws IOException {
        RawClient connection = RawClient.connect(port);
        connection.send(String.join("\r\n", headLines) + "\r\n\r\n");
        return new Post(connection);
    }

    /** Starts {@code GET agent/request} for the ID and leaves the answer unread on the returned connection. */
    public RawClient startRead(String requestId, String... extraHeaderLines) throws IOException {
        RawClient connection = RawClient.connect(port);
        connection.send("GET /agent/request HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                + BACKEND_HEADER + ": " + backendId + "\r\n" + REQUEST_HEADER + ": " + requestId + "\r\n"
                + credentialLines.stream().map(line -> line + "\r\n").reduce("", String::concat)
                + Stream.of(extraHeaderLines).map(line -> line + "\r\n").reduce("", String::concat) + "\r\n");
        return connection;
    }

    private List<String> idHeaders(String requestId) {
        List<String> headers = new ArrayList<>(credentialLines);
        headers.add(BACKEND_HEADER + ": " + backendId);
        headers.add(REQUEST_HEADER + ": " + requestId);
        return headers;
    }

    /** A response post in progress: chunks go out as they are given. */
    public static final class Post implements AutoCloseable {
        private final RawClient connection;

        private Post(RawClient connection) {
            this.connection = connection;
        }

        /** Sends the text as one chunk of the outer body. */
        public Post chunk(String text) throws IOException {
            byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
            connection.send(Integer.toHexString(bytes.length) + "\r\n");
            connection.send(bytes);
            connection.send("\r\n");
            return this;
        }

        /** Sends the text as it is, with no chunk framing (for a post framed by Content-Length). */
        public Post raw(String text) throws IOException {
            connection.send(text);
            return this;
        }

        /** Sends the last chunk and reads the proxy's answer. */
        public RawResponse finish() throws IOException {
            connection.send("0\r\n\r\n");
            return connection.readResponse();
        }

        /** Reads the proxy's answer without finishing the body (the proxy answered early). */
        public RawResponse answer() throws IOException {
            return connection.readResponse();
        }

        /** Dies mid-post: the connection is reset, as when the agent's process is killed. */
        public void die() throws IOException {
            connection.closeAbruptly();
        }

        @Override
        public void close() throws IOException {
            connection.close();
        }
    }
}
