package net.invertingproxy.proxy.access;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Finds the client's address behind the proxies the operator trusts (the ALB, a reverse proxy).
 * {@code X-Forwarded-For} is read only when the peer that connected is trusted, and then walked
 * from the right: each trusted hop vouches for the entry to its left, and the first hop that is
 * not trusted is the client. Anything a client wrote itself sits left of that hop and is never
 * believed. The walk also stops at an entry that is not a literal address (a port, a name,
 * garbage): the client is then the last address reached, the trusted hop that passed the garbage on.
 */
public final class ClientAddresses {
    /** The header each proxy appends the address it was called from to. */
    public static final String FORWARDED_FOR = "X-Forwarded-For";
    /** Most {@code X-Forwarded-For} entries looked at, from the right: a real chain has a handful. */
    public static final int MAX_HOPS = 32;

    private final List<AddressRange> trustedProxies;

    /** Trusts {@code X-Forwarded-For} only as written by peers in {@code trustedProxies}; empty trusts none. */
    public ClientAddresses(List<AddressRange> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    /** The client's address as described above, as written (trimmed) in the request. */
    public String clientAddress(ClientRequestView request) {
        String client = request.remoteAddr().trim();
        if (!trusted(client)) {
            return client;
        }
        Deque<String> hops = lastHops(request.values(FORWARDED_FOR));
        while (!hops.isEmpty()) {
            String hop = hops.removeLast();
            if (AddressRange.literal(hop) == null) {
                break;
            }
            client = hop;
            if (!trusted(hop)) {
                break;
            }
        }
        return client;
    }

    private boolean trusted(String address) {
        for (AddressRange range : trustedProxies) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    // Several X-Forwarded-For headers form one list in order (RFC 9110 section 5.3); only the right end matters.
    private static Deque<String> lastHops(List<String> values) {
        Deque<String> hops = new ArrayDeque<>();
        for (String value : values) {
            for (String hop : value.split(",", -1)) {
                hops.addLast(hop.trim());
                if (hops.size() > MAX_HOPS) {
                    hops.removeFirst();
                }
            }
        }
        return hops;
    }
}
