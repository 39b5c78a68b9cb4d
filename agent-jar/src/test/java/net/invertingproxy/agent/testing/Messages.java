package net.invertingproxy.agent.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.protocol.ResponseHead;

import org.apache.hc.core5.http.Header;

/** Parses the response messages the agent posts, the way the proxy would. */
public final class Messages {
    private Messages() {
    }

    /** A posted response message read to its end. */
    public record Response(ResponseHead head, byte[] body, List<Header> trailers) {
        public int status() {
            return head.status();
        }

        public String bodyText() {
            return new String(body, java.nio.charset.StandardCharsets.ISO_8859_1);
        }

        /** The first value of a header, or null. */
        public String header(String name) {
            return head.headers().stream().filter(h -> h.getName().equalsIgnoreCase(name))
                    .map(Header::getValue).findFirst().orElse(null);
        }

        /** The headers as {@code Name: value} lines, in order. */
        public List<String> headerLines() {
            return lines(head.headers());
        }
    }

    /** Reads a posted message to a request with {@code method}; throws if it is incomplete or malformed. */
    public static Response readResponse(byte[] message, String method) throws IOException {
        MessageReader.IncomingResponse response = new MessageReader(64 * 1024, 1000)
                .readResponse(new ByteArrayInputStream(message), method);
        byte[] body = response.body().readAllBytes();
        return new Response(response.head(), body, response.body().trailers());
    }

    /** Headers as {@code Name: value} lines. */
    public static List<String> lines(List<Header> headers) {
        return headers.stream().map(h -> h.getName() + ": " + h.getValue()).collect(Collectors.toList());
    }
}
