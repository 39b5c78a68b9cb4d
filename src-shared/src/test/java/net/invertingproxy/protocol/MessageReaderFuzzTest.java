package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

import org.apache.hc.core5.http.Header;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link MessageReader} with arbitrary bytes as the carried message, in every way the proxy
 * and the agent read one. Its contract: the head either parses or is refused with a
 * {@link MalformedMessageException}; a parsed message's body then reads to its end or fails with an
 * {@link IOException}; and what reads to its end survives being written again with
 * {@link MessageWriter} and read back unchanged.
 */
class MessageReaderFuzzTest {
    // Small limits, so that short inputs can reach the oversized-head paths too.
    private static final int MAX_HEAD_BYTES = 1024;
    private static final int MAX_HEADER_COUNT = 16;
    private static final int MAX_INPUT_BYTES = 16 * 1024;
    private static final MessageReader READER = new MessageReader(MAX_HEAD_BYTES, MAX_HEADER_COUNT);

    /** A request as the agent reads it from {@code GET agent/request} or an inline poll answer. */
    @FuzzTest
    void readRequest(byte[] wire) throws IOException {
        fuzzRequest(wire, false);
    }

    /** A request the proxy sent as an upgrade: with no declared body, the rest of the carrier is its body. */
    @FuzzTest
    void readTunnelledRequest(byte[] wire) throws IOException {
        fuzzRequest(wire, true);
    }

    /** A response to a {@code GET} as the proxy reads it from {@code POST agent/response}. */
    @FuzzTest
    void readResponse(byte[] wire) throws IOException {
        fuzzResponse(wire, "GET", false);
    }

    /** A response to a WebSocket handshake: a {@code 101} is followed by the tunnelled connection. */
    @FuzzTest
    void readUpgradeResponse(byte[] wire) throws IOException {
        fuzzResponse(wire, "GET", true);
    }

    /** A response to a {@code HEAD}, which never has a body. */
    @FuzzTest
    void readResponseToHead(byte[] wire) throws IOException {
        fuzzResponse(wire, "HEAD", false);
    }

    private static void fuzzRequest(byte[] wire, boolean tunnelled) throws IOException {
        if (wire.length > MAX_INPUT_BYTES) {
            return;
        }
        MessageReader.IncomingRequest request;
        try {
            request = READER.readRequest(new ByteArrayInputStream(wire), tunnelled);
        } catch (MalformedMessageException refused) {
            return;
        }
        RequestHead head = request.head();
        assertFalse(head.method().isEmpty(), "a parsed request has a method");
        assertNotNull(head.target(), "a parsed request has a target");
        assertNoFramingHeaders(head.headers());
        ReadBody body = readToEnd(request.body());
        if (body == null) {
            return;
        }
        checkReadAhead(wire, body, carrier -> READER.readRequest(carrier, tunnelled).body());
        ByteArrayOutputStream rewritten = new ByteArrayOutputStream();
        try (OutputStream out = MessageWriter.writeRequest(head, request.body().framing(), () -> body.trailers,
                rewritten)) {
            out.write(body.bytes);
        }
        MessageReader.IncomingRequest again = READER.readRequest(
                new ByteArrayInputStream(rewritten.toByteArray()), tunnelled);
        assertEquals(head.method(), again.head().method());
        assertEquals(head.target(), again.head().target());
        assertEquals(render(head.headers()), render(again.head().headers()));
        assertBodyRereads(body, again.body());
    }

    private static void fuzzResponse(byte[] wire, String requestMethod, boolean upgradeRequested) throws IOException {
        if (wire.length > MAX_INPUT_BYTES) {
            return;
        }
        MessageReader.IncomingResponse response;
        try {
            response = READER.readResponse(new ByteArrayInputStream(wire), requestMethod, upgradeRequested);
        } catch (MalformedMessageException refused) {
            return;
        }
        ResponseHead head = response.head();
        BodyFraming framing = response.body().framing();
        assertTrue(head.status() >= 0, "status " + head.status());
        if ("HEAD".equals(requestMethod) && !(upgradeRequested && head.status() == 101)) {
            assertFalse(framing.hasBody(), "a response to HEAD has no body");
        }
        if (framing.kind() != BodyFraming.Kind.NONE) {
            assertNoFramingHeaders(head.headers());
        }
        ReadBody body = readToEnd(response.body());
        if (body == null) {
            return;
        }
        checkReadAhead(wire, body,
                carrier -> READER.readResponse(carrier, requestMethod, upgradeRequested).body());
        ByteArrayOutputStream rewritten = new ByteArrayOutputStream();
        try (OutputStream out = MessageWriter.writeResponse(head, framing, () -> body.trailers, rewritten)) {
            out.write(body.bytes);
        }
        MessageReader.IncomingResponse again = READER.readResponse(
                new ByteArrayInputStream(rewritten.toByteArray()), requestMethod, upgradeRequested);
        assertEquals(head.status(), again.head().status());
        // The writer always drops Transfer-Encoding, which a bodiless response may keep.
        assertEquals(render(withoutTransferEncoding(head.headers())), render(again.head().headers()));
        assertBodyRereads(body, again.body());
    }

    /** A body read to its end: its bytes, trailers and framing. */
    private record ReadBody(byte[] bytes, List<Header> trailers, BodyFraming framing) {
    }

    // Null when the body failed as the contract allows: a cut or malformed body is an IOException.
    private static ReadBody readToEnd(MessageBody body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        try {
            int read;
            while ((read = body.read(buffer, 0, buffer.length)) != -1) {
                bytes.write(buffer, 0, read);
            }
        } catch (IOException failed) {
            return null;
        }
        byte[] read = bytes.toByteArray();
        BodyFraming framing = body.framing();
        if (framing.kind() == BodyFraming.Kind.CONTENT_LENGTH) {
            assertEquals(framing.length(), read.length, "a complete body has its declared length");
        } else if (framing.kind() == BodyFraming.Kind.NONE) {
            assertEquals(0, read.length, "a message without a body yields no bytes");
        }
        return new ReadBody(read, body.trailers(), framing);
    }

    private interface BodySource {
        MessageBody read(InputStream carrier) throws IOException;
    }

    // For a body that runs to the end of the carrier, the read-ahead plus the rest of the carrier
    // must be exactly the body: that is how the tunnels continue a connection after its head.
    private static void checkReadAhead(byte[] wire, ReadBody body, BodySource again) throws IOException {
        if (body.framing.kind() != BodyFraming.Kind.UNTIL_EOF) {
            return;
        }
        ByteArrayInputStream carrier = new ByteArrayInputStream(wire);
        byte[] ahead = again.read(carrier).takeReadAhead();
        assertArrayEquals(body.bytes, concat(ahead, carrier.readAllBytes()),
                "read-ahead plus the rest of the carrier is the body");
    }

    private static void assertBodyRereads(ReadBody body, MessageBody again) throws IOException {
        assertArrayEquals(body.bytes, again.readAllBytes(), "the body survives being written and read again");
        assertEquals(render(body.trailers), render(again.trailers()), "the trailers survive too");
    }

    private static void assertNoFramingHeaders(List<Header> headers) {
        for (Header header : headers) {
            assertFalse(header.getName().equalsIgnoreCase("Content-Length")
                    || header.getName().equalsIgnoreCase("Transfer-Encoding"),
                    "framing header passed on: " + header);
        }
    }

    private static List<Header> withoutTransferEncoding(List<Header> headers) {
        return headers.stream().filter(header -> !header.getName().equalsIgnoreCase("Transfer-Encoding")).toList();
    }

    private static List<String> render(List<Header> headers) {
        List<String> lines = new ArrayList<>();
        for (Header header : headers) {
            lines.add(header.getName() + ": " + header.getValue());
        }
        return lines;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
