package net.invertingproxy.protocol;

import java.util.List;

import org.apache.hc.core5.http.Header;

/** The request line and headers of a client request carried inside an agent call; the target is kept byte for byte. */
public record RequestHead(String method, String target, List<Header> headers) {
    /** Copies the headers so the record stays immutable. */
    public RequestHead {
        headers = List.copyOf(headers);
    }
}
