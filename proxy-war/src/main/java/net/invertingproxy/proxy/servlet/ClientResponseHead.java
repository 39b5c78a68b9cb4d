package net.invertingproxy.proxy.servlet;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpServletResponse;

import org.apache.hc.core5.http.Header;

import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.HopByHopHeaders;
import net.invertingproxy.protocol.MessageBody;
import net.invertingproxy.protocol.ResponseHead;

/** Puts the backend's status, headers and framing on the client's response, minus hop-by-hop headers. */
final class ClientResponseHead {
    private ClientResponseHead() {
    }

    static void apply(ResponseHead head, MessageBody body, HttpServletResponse clientResponse) {
        clientResponse.setStatus(head.status());
        boolean bodilessStatus = head.status() == 204 || head.status() == 304;
        Set<String> seen = new HashSet<>();
        for (Header header : HopByHopHeaders.remove(head.headers())) {
            String name = header.getName();
            if (name.equalsIgnoreCase("Content-Length") && bodilessStatus) {
                continue;
            }
            // The first value replaces anything the container set itself (Date, Server), later ones
            // add to it, so repeated headers such as Set-Cookie arrive intact and in order.
            if (seen.add(name.toLowerCase(Locale.ROOT))) {
                clientResponse.setHeader(name, header.getValue());
            } else {
                clientResponse.addHeader(name, header.getValue());
            }
        }
        BodyFraming framing = body.framing();
        if (framing.kind() == BodyFraming.Kind.CONTENT_LENGTH) {
            clientResponse.setContentLengthLong(framing.length());
        } else if (framing.kind() == BodyFraming.Kind.CHUNKED) {
            forwardTrailers(body, clientResponse);
        }
    }

    private static void forwardTrailers(MessageBody body, HttpServletResponse clientResponse) {
        try {
            clientResponse.setTrailerFields(() -> toMap(body.trailers()));
        } catch (IllegalStateException e) {
            // An HTTP/1.0 client cannot receive trailers; the body still arrives whole.
        }
    }

    // The servlet API takes trailers as a map; repeated names are joined as RFC 9110 section 5.3
    // allows, keeping the spelling of the first.
    private static Map<String, String> toMap(List<Header> trailers) {
        Map<String, String> fields = new LinkedHashMap<>();
        Map<String, String> spelling = new HashMap<>();
        for (Header trailer : trailers) {
            String name = spelling.computeIfAbsent(trailer.getName().toLowerCase(Locale.ROOT), key -> trailer.getName());
            fields.merge(name, trailer.getValue(), (a, b) -> a + ", " + b);
        }
        return fields;
    }
}
