package net.invertingproxy.proxy.inspect;

import java.time.Instant;
import java.util.List;

/**
 * One finished exchange as the inspector keeps it: the request as the backend got it and the
 * answer as the client got it, heads redacted ({@link HeaderRedaction}), bodies cut to a prefix.
 *
 * @param sequence       its number, unique in this proxy, rising with time
 * @param backendId      the backend it went to
 * @param replayOf       the sequence of the exchange it replayed, or 0
 * @param startedAt      when the client's request arrived
 * @param method         the request method
 * @param target         the target the backend got, token query parameters hidden ({@link TargetRedaction})
 * @param targetRedacted whether any query parameter of the target was hidden
 * @param requestHeaders the request headers the backend got
 * @param requestBody    the first bytes of the request body
 * @param requestBytes   the length of the request body that reached the agent
 * @param requestBodyComplete whether the request body reached its end (or there was none)
 * @param status         the status the client got, 0 if none (its connection was broken)
 * @param responseHeaders the response headers, empty for an answer of the proxy's own
 * @param responseBody   the first bytes of the response body
 * @param responseBytes  the length of the response body that reached the client
 * @param outcome        how the exchange ended ({@code ANSWERED}, {@code REFUSED}, ...)
 * @param reason         the one-line reason of a refusal or abort, else empty
 * @param waitedMillis   from arrival until the agent started the answer
 * @param totalMillis    from arrival until the end
 * @param agentAddress   the address of the agent that answered, or "-"
 */
public record InspectedExchange(long sequence, String backendId, long replayOf, Instant startedAt, String method,
                                String target, boolean targetRedacted, List<InspectedHeader> requestHeaders,
                                byte[] requestBody, long requestBytes, boolean requestBodyComplete, int status, List<InspectedHeader> responseHeaders,
                                byte[] responseBody, long responseBytes, String outcome, String reason,
                                long waitedMillis, long totalMillis, String agentAddress) {
    // Per exchange beyond its texts and bytes: the objects, the lists, the timestamps.
    private static final int OVERHEAD_BYTES = 512;

    /** Copies the lists; the byte arrays are the capture's own copies. */
    public InspectedExchange {
        requestHeaders = List.copyOf(requestHeaders);
        responseHeaders = List.copyOf(responseHeaders);
    }

    /**
     * Whether the request can be sent again as it was: its body passed to its end and was kept
     * whole, and no hidden query value is missing from its target.
     */
    public boolean replayable() {
        return requestBodyComplete && requestBody.length == requestBytes && !targetRedacted;
    }

    /** About what this exchange takes in memory, for the inspector's bound. */
    public long sizeInBytes() {
        long size = OVERHEAD_BYTES + requestBody.length + responseBody.length + 2L * (target.length() + reason.length());
        for (InspectedHeader header : requestHeaders) {
            size += 2L * (header.name().length() + header.value().length()) + 48;
        }
        for (InspectedHeader header : responseHeaders) {
            size += 2L * (header.name().length() + header.value().length()) + 48;
        }
        return size;
    }
}
