package net.invertingproxy.agent.forward;

import java.util.List;
import java.util.Locale;
import java.util.Set;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.protocol.HopByHopHeaders;
import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.protocol.WebSocketUpgrade;
import net.invertingproxy.protocol.WireHeaders;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.message.BasicHttpRequest;

/**
 * Turns a client request read from the proxy into the backend request: same method, same target
 * byte for byte, same headers in the same order (the client's {@code Host} included) minus
 * hop-by-hop and framing headers, {@code Expect} (the proxy answered it), {@code Authorization} if
 * {@code -strip-credentials}, and any user-ID header
 * the client sent; the proxy's user ID is added if {@code -forward-user-id}.
 */
final class BackendRequestFactory {
    // The body producer decides the framing; HttpClient refuses a request that already names one.
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding");
    // The proxy already answered the client's Expect and is sending the body; asked again, HttpClient
    // would hold the body for up to 3 s waiting for a 100 that many backends never send.
    private static final Set<String> ANSWERED_BY_PROXY = Set.of("expect");
    // Only Authorization, as the Go agent's -strip-credentials: sessions kept in cookies must still work.
    private static final String CREDENTIALS = "authorization";

    private final HttpHost backend;
    private final boolean forwardUserId;
    private final boolean stripCredentials;

    BackendRequestFactory(AgentConfig config) {
        this.backend = config.backendHost();
        this.forwardUserId = config.forwardUserId();
        this.stripCredentials = config.stripCredentials();
    }

    /** The head of the backend request; its body, if any, is sent by a {@link RequestBodyProducer}. */
    HttpRequest create(RequestHead clientRequest, String userId) {
        HttpRequest backendRequest = new BasicHttpRequest(clientRequest.method(), backend, clientRequest.target());
        for (Header header : headers(clientRequest.headers(), userId)) {
            backendRequest.addHeader(header);
        }
        return backendRequest;
    }

    /**
     * The head of a WebSocket handshake sent to the backend as such: the headers {@link #headers}
     * gives, plus the two that ask this hop for the upgrade ({@code Connection} and {@code Upgrade}).
     */
    RequestHead upgradeRequest(RequestHead clientRequest, String userId) {
        return new RequestHead(clientRequest.method(), clientRequest.target(),
                WebSocketUpgrade.forwardedHeaders(headers(clientRequest.headers(), userId)));
    }

    /** The headers the backend sees, in the client's order. */
    List<Header> headers(List<Header> clientHeaders, String userId) {
        List<Header> headers = HopByHopHeaders.remove(clientHeaders);
        // Clients must not forge the identity the proxy vouches for.
        headers.removeIf(header -> WireHeaders.USER_ID.equalsIgnoreCase(header.getName()));
        headers.removeIf(header -> FRAMING.contains(lowerCase(header)) || ANSWERED_BY_PROXY.contains(lowerCase(header)));
        if (stripCredentials) {
            headers.removeIf(header -> CREDENTIALS.equals(lowerCase(header)));
        }
        if (forwardUserId && userId != null) {
            headers.add(new BasicHeader(WireHeaders.USER_ID, userId));
        }
        return headers;
    }

    private static String lowerCase(Header header) {
        return header.getName().toLowerCase(Locale.ROOT);
    }
}
