package net.invertingproxy.proxy.servlet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;

import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.HopByHopHeaders;
import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.protocol.WebSocketUpgrade;

/**
 * Turns a client request into the head the agent forwards: method, target and headers as the
 * client sent them, minus hop-by-hop headers, plus the {@code X-Forwarded-*} headers a reverse
 * proxy adds (keeping {@code X-Forwarded-Proto} and {@code -Host} set by a proxy in front).
 */
final class ClientRequestHead {
    private static final String X_FORWARDED_FOR = "X-Forwarded-For";
    private static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
    private static final String X_FORWARDED_HOST = "X-Forwarded-Host";

    private ClientRequestHead() {
    }

    /** The head for the backend: the routed target, and the headers minus those {@code routed} withholds. */
    static RequestHead of(HttpServletRequest clientRequest, RoutedRequest routed) {
        return of(clientRequest, routed, false);
    }

    /**
     * As {@link #of(HttpServletRequest, RoutedRequest)}; with {@code asUpgrade}, a WebSocket
     * handshake keeps the two headers that ask for the switch (docs/protocol.md, section 4).
     */
    static RequestHead of(HttpServletRequest clientRequest, RoutedRequest routed, boolean asUpgrade) {
        List<Header> headers = forwardedHeaders(clientRequest, asUpgrade);
        headers.removeIf(header -> routed.withheldHeaders().contains(header.getName().toLowerCase(Locale.ROOT)));
        return new RequestHead(clientRequest.getMethod(), routed.target(), headers);
    }

    /** How the client framed its body; a request with neither length nor chunking has none (RFC 9112 section 6.3). */
    static BodyFraming framingOf(HttpServletRequest clientRequest) {
        long length = clientRequest.getContentLengthLong();
        if (length >= 0) {
            return BodyFraming.ofLength(length);
        }
        String transferEncoding = clientRequest.getHeader("Transfer-Encoding");
        if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            return BodyFraming.chunked();
        }
        return BodyFraming.none();
    }

    /** The client's trailers once its body is read, if it sent any. */
    static List<Header> trailersOf(HttpServletRequest clientRequest) {
        if (!clientRequest.isTrailerFieldsReady()) {
            return List.of();
        }
        List<Header> trailers = new ArrayList<>();
        for (Map.Entry<String, String> field : clientRequest.getTrailerFields().entrySet()) {
            trailers.add(new BasicHeader(field.getKey(), field.getValue()));
        }
        return trailers;
    }

    private static List<Header> forwardedHeaders(HttpServletRequest clientRequest, boolean asUpgrade) {
        List<Header> headers = new ArrayList<>();
        for (String name : Collections.list(clientRequest.getHeaderNames())) {
            for (String value : Collections.list(clientRequest.getHeaders(name))) {
                headers.add(new BasicHeader(name, value));
            }
        }
        List<Header> kept = asUpgrade ? WebSocketUpgrade.forwardedHeaders(headers) : HopByHopHeaders.remove(headers);
        // The proxy already answered any 100-continue expectation when it started reading the body.
        kept.removeIf(header -> header.getName().equalsIgnoreCase("Expect"));
        String host = clientRequest.getHeader("Host");
        if (host == null) {
            // An HTTP/1.0 client may send no Host; the backend must not get the agent's idea of one.
            host = hostOf(clientRequest);
            kept.add(0, new BasicHeader("Host", host));
        }
        appendForwardedFor(kept, clientRequest.getRemoteAddr());
        // A proxy in front (an ALB terminating TLS) already said what the client used; keep it.
        addIfAbsent(kept, X_FORWARDED_PROTO, clientRequest.getScheme());
        addIfAbsent(kept, X_FORWARDED_HOST, host);
        return kept;
    }

    // Appending keeps the chain of earlier proxies intact (the de facto X-Forwarded-For convention).
    private static void appendForwardedFor(List<Header> headers, String clientAddress) {
        for (int i = headers.size() - 1; i >= 0; i--) {
            Header header = headers.get(i);
            if (header.getName().equalsIgnoreCase(X_FORWARDED_FOR)) {
                headers.set(i, new BasicHeader(header.getName(), header.getValue() + ", " + clientAddress));
                return;
            }
        }
        headers.add(new BasicHeader(X_FORWARDED_FOR, clientAddress));
    }

    private static void addIfAbsent(List<Header> headers, String name, String value) {
        if (headers.stream().noneMatch(header -> header.getName().equalsIgnoreCase(name))) {
            headers.add(new BasicHeader(name, value));
        }
    }

    private static String hostOf(HttpServletRequest clientRequest) {
        String name = clientRequest.getServerName();
        if (name.indexOf(':') >= 0 && !name.startsWith("[")) {
            name = "[" + name + "]";
        }
        int port = clientRequest.getServerPort();
        boolean defaultPort = (port == 80 && "http".equals(clientRequest.getScheme()))
                || (port == 443 && "https".equals(clientRequest.getScheme()));
        return defaultPort || port <= 0 ? name : name + ":" + port;
    }
}
