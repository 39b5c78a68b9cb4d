package net.invertingproxy.protocol;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.util.List;

import org.apache.hc.core5.http.impl.io.SessionInputBufferImpl;
import org.junit.jupiter.api.Test;

class MessageBodyTest {

    @Test
    void closingDoesNotConsumeTheRestOfTheBody() throws Exception {
        MessageBody body = new MessageReader(1024, 10).readRequest(new ByteArrayInputStream(
                "POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\nabcdef".getBytes(ISO_8859_1))).body();

        assertEquals('a', body.read());
        body.close();

        assertEquals("bcdef", new String(body.readAllBytes(), ISO_8859_1));
    }

    @Test
    void closingATruncatedBodyDoesNotFail() throws Exception {
        // draining on close would hit the missing bytes and throw
        MessageBody body = new MessageReader(1024, 10).readRequest(new ByteArrayInputStream(
                "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc".getBytes(ISO_8859_1))).body();

        assertDoesNotThrow(body::close);
    }

    @Test
    void closingDoesNotCloseTheStreamItReads() throws Exception {
        boolean[] closed = {false};
        ByteArrayInputStream source = new ByteArrayInputStream("abc".getBytes(ISO_8859_1)) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        MessageBody body = new MessageBody(source, BodyFraming.untilEof(), new EndAwareInputStream(source, Long.MAX_VALUE),
                new SessionInputBufferImpl(16));

        body.close();

        assertFalse(closed[0]);
        assertEquals("abc", new String(body.readAllBytes(), ISO_8859_1));
    }

    @Test
    void bodiesThatAreNotChunkedHaveNoTrailers() throws Exception {
        MessageBody body = new MessageReader(1024, 10).readResponse(new ByteArrayInputStream(
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc".getBytes(ISO_8859_1)), "GET").body();

        body.readAllBytes();

        assertEquals(List.of(), body.trailers());
        assertEquals(BodyFraming.ofLength(3), body.framing());
    }
}
