package net.invertingproxy.protocol;

import java.util.List;

import org.apache.hc.core5.http.Header;

/** The status line and headers of a backend response carried inside an agent call. */
public record ResponseHead(int status, String reasonPhrase, List<Header> headers) {
    /** Copies the headers so the record stays immutable. */
    public ResponseHead {
        headers = List.copyOf(headers);
    }
}
