package net.invertingproxy.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import org.apache.hc.core5.http.Header;

/**
 * Removes the headers that belong to one connection only (RFC 9110 section 7.6.1), so that neither
 * the proxy nor the agent forwards them: the fixed list of the wire protocol plus every header named
 * in {@code Connection}.
 */
public final class HopByHopHeaders {
    private static final Set<String> ALWAYS = Set.of(
            "connection", "proxy-connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade");

    private HopByHopHeaders() {
    }

    /** Whether the named header is hop-by-hop whatever the message says. */
    public static boolean isAlwaysHopByHop(String name) {
        return ALWAYS.contains(name.toLowerCase(Locale.ROOT));
    }

    /** Returns the headers in their original order, without hop-by-hop ones and those named in {@code Connection}. */
    public static List<Header> remove(List<? extends Header> headers) {
        Set<String> named = connectionTokens(headers);
        List<Header> kept = new ArrayList<>(headers.size());
        for (Header header : headers) {
            String name = header.getName().toLowerCase(Locale.ROOT);
            if (!ALWAYS.contains(name) && !named.contains(name)) {
                kept.add(header);
            }
        }
        return kept;
    }

    /** The lower-case header names listed in all {@code Connection} headers. */
    public static Set<String> connectionTokens(List<? extends Header> headers) {
        Set<String> tokens = new TreeSet<>();
        for (Header header : headers) {
            if ("connection".equalsIgnoreCase(header.getName()) && header.getValue() != null) {
                for (String token : header.getValue().split(",")) {
                    String trimmed = token.trim().toLowerCase(Locale.ROOT);
                    if (!trimmed.isEmpty()) {
                        tokens.add(trimmed);
                    }
                }
            }
        }
        return tokens;
    }
}
