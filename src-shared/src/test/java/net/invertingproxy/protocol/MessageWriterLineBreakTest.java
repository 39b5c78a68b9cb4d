package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A header the proxy forwards can never split into two lines of the message it writes for the
 * agent, nor end the head early: CR, LF and NUL (RFC 9110 section 5.5) in a name or value become
 * harmless bytes, so the agent reads exactly the headers given, and nothing after the head.
 */
class MessageWriterLineBreakTest {
    private static final MessageReader READER = new MessageReader(8 * 1024, 100);

    @ParameterizedTest
    @ValueSource(strings = {"a\r\nX-Smuggled: 1", "a\nX-Smuggled: 1", "a\rX-Smuggled: 1", "a\u0000X-Smuggled: 1",
        "a\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n"})
    void aLineBreakInAValueStaysInsideItsLine(String value) throws IOException {
        assertReadBackAsOneHeaderAfterHost(new BasicHeader("X-A", value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"X-A\r\nX-Smuggled", "X-A\nX-Smuggled", "X-A\r\n\r\nGET /smuggled HTTP/1.1\r\nHost"})
    void aLineBreakInANameIsNeverWritten(String name) {
        // Containers refuse such names (the smuggling table); the writer refuses them too, since
        // HttpCore would write the name as it is and its line break would start a line of its own.
        RequestHead head = new RequestHead("GET", "/x", List.of(new BasicHeader("Host", "a"), new BasicHeader(name, "v")));
        ByteArrayOutputStream wire = new ByteArrayOutputStream();

        assertThrows(MalformedMessageException.class, () -> MessageWriter.writeRequest(head, BodyFraming.none(), null, wire));
        assertEquals(0, wire.size(), "bytes of the head were written");
    }

    private static void assertReadBackAsOneHeaderAfterHost(Header header) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        RequestHead head = new RequestHead("GET", "/x", List.of(new BasicHeader("Host", "a"), header));
        try (OutputStream body = MessageWriter.writeRequest(head, BodyFraming.none(), null, wire)) {
            // a GET without a body
        }
        ByteArrayInputStream carrier = new ByteArrayInputStream(wire.toByteArray());

        MessageReader.IncomingRequest read = READER.readRequest(carrier);

        List<Header> headers = read.head().headers();
        assertEquals(2, headers.size(), headers::toString);
        assertEquals("Host", headers.get(0).getName());
        assertTrue(headers.stream().noneMatch(each -> each.getName().equalsIgnoreCase("X-Smuggled")), headers::toString);
        assertEquals("/x", read.head().target());
        assertEquals(0, read.body().readAllBytes().length);
        assertEquals(-1, carrier.read(), "bytes after the head could be read as another request");
    }
}
