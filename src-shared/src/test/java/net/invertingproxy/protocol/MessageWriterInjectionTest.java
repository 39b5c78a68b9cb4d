package net.invertingproxy.protocol;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.List;

import org.apache.hc.core5.http.message.BasicHeader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageWriterInjectionTest {
    @ParameterizedTest
    @ValueSource(strings = {"a\r\nX-Smuggled: 1", "a\nX-Smuggled: 1", "a\rX-Smuggled: 1", "a\u0000b", "a\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a"})
    void probe(String value) throws Exception {
        for (boolean inName : new boolean[] {false, true}) {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            try {
                RequestHead head = new RequestHead("GET", "/x", List.of(new BasicHeader("Host", "a"),
                        inName ? new BasicHeader("X-" + value, "v") : new BasicHeader("X-A", value)));
                try (OutputStream out = MessageWriter.writeRequest(head, BodyFraming.none(), null, wire)) {
                    // no body
                }
                System.out.println("PROBE " + inName + " " + new String(wire.toByteArray(), ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0"));
            } catch (Exception e) {
                System.out.println("PROBE " + inName + " threw " + e);
            }
        }
        assertEquals(1, 1);
    }
}
