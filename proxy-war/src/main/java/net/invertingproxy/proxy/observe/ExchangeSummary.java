package net.invertingproxy.proxy.observe;

import java.time.Duration;

/**
 * One finished exchange, as logged and measured. It never holds a header value, a query string or
 * a body: those may carry secrets.
 *
 * @param backendId      the backend the request was for
 * @param method         the client's method
 * @param path           the client's path, without the query
 * @param status         the status the client got (0 if none was sent)
 * @param outcome        how the exchange ended
 * @param reason         the one-line reason of a refusal or abort, else empty
 * @param bytesIn        request body bytes read from the client
 * @param bytesOut       response body bytes written to the client
 * @param waited         from arrival until the agent started the response (or the exchange ended)
 * @param total          from arrival until the end
 * @param backendTime    from the agent having the whole request until it started the response (the
 *                       agent's and backend's share), or null if the exchange did not get that far
 * @param agentAddress   the address the answering agent called from, or "-" if none took it
 */
public record ExchangeSummary(
        String backendId,
        String method,
        String path,
        int status,
        ExchangeOutcome outcome,
        String reason,
        long bytesIn,
        long bytesOut,
        Duration waited,
        Duration total,
        Duration backendTime,
        String agentAddress) {
}
