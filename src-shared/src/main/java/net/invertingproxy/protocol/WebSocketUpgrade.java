package net.invertingproxy.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;

/**
 * Recognises a WebSocket opening handshake (RFC 6455 section 4.1) and keeps, when it is forwarded,
 * the two headers that ask for the upgrade, which are otherwise dropped as hop-by-hop (RFC 9110
 * section 7.8: the upgrade applies to one connection, so each hop asks for it again).
 */
public final class WebSocketUpgrade {
    private static final String UPGRADE = "Upgrade";
    private static final String CONNECTION = "Connection";

    private WebSocketUpgrade() {
    }

    /**
     * Whether a request asks to switch its connection to WebSockets: a {@code GET} naming
     * {@code websocket} in {@code Upgrade} and {@code upgrade} in {@code Connection}, without a body
     * ({@code Content-Length: 0} counts as none).
     */
    public static boolean isRequested(String method, List<? extends Header> headers) {
        if (!"GET".equals(method) || !HopByHopHeaders.connectionTokens(headers).contains("upgrade")) {
            return false;
        }
        boolean websocket = false;
        for (Header header : headers) {
            String name = header.getName();
            // A handshake has no body (the JDK's client says so with "Content-Length: 0"); a request
            // with one is forwarded as an ordinary request.
            // A Content-Length without a value (Header allows one) is no "0" either (found by fuzzing).
            if (name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Content-Length")
                    && (header.getValue() == null || !"0".equals(header.getValue().trim()))) {
                return false;
            }
            if (name.equalsIgnoreCase(UPGRADE) && header.getValue() != null) {
                websocket |= tokens(header.getValue()).contains(WireHeaders.WEBSOCKET);
            }
        }
        return websocket;
    }

    /** The headers without hop-by-hop ones, plus the two that ask the next hop for the upgrade. */
    public static List<Header> forwardedHeaders(List<? extends Header> headers) {
        List<Header> kept = new ArrayList<>(HopByHopHeaders.remove(headers));
        kept.add(new BasicHeader(CONNECTION, "Upgrade"));
        kept.add(new BasicHeader(UPGRADE, WireHeaders.WEBSOCKET));
        return kept;
    }

    private static List<String> tokens(String value) {
        List<String> tokens = new ArrayList<>();
        for (String token : value.split(",")) {
            tokens.add(token.trim().toLowerCase(Locale.ROOT));
        }
        return tokens;
    }
}
