package net.invertingproxy.proxy.servlet;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * Refuses, before anything is parked, a client request whose body framing the container accepted
 * but the proxy cannot forward unambiguously: the proxy re-frames every body it forwards, and must
 * know for certain where the client's body ends, or a request could hide another in its body.
 * Containers differ here (Tomcat, for one, reads HTTP/1.0 requests that carry Transfer-Encoding),
 * so the rules are checked on what every container hands the servlet.
 */
final class RequestFramingCheck {
    /**
     * Most header fields a client request may have. Well below the 1,000 the agent reads, so the
     * fields the proxy adds ({@code Host}, {@code X-Forwarded-*}) always fit; the agent would
     * otherwise refuse the request only after it was parked.
     */
    static final int MAX_HEADER_COUNT = 500;

    private RequestFramingCheck() {
    }

    /**
     * Checks the request's protocol ({@code HTTP/1.1}), framing headers and header count.
     *
     * @param protocol     the request's protocol as the container read it
     * @param headerValues every value of a header by name, empty when absent
     * @param headerCount  how many header fields the request has
     * @throws FailureException {@link Failure#AMBIGUOUS_FRAMING}, {@link Failure#UNSUPPORTED_TRANSFER_CODING}
     *                          or {@link Failure#TOO_MANY_HEADERS}, each with a one-line reason
     */
    static void check(String protocol, Function<String, List<String>> headerValues, int headerCount)
            throws FailureException {
        if (headerCount > MAX_HEADER_COUNT) {
            throw new FailureException(Failure.TOO_MANY_HEADERS,
                    "more than " + MAX_HEADER_COUNT + " header fields (" + headerCount + ")");
        }
        List<String> lengths = headerValues.apply("Content-Length");
        List<String> codings = headerValues.apply("Transfer-Encoding");
        if (!codings.isEmpty() && !"HTTP/1.1".equals(protocol)) {
            // RFC 9112 section 6.1: chunking is HTTP/1.1's; in an older message the framing is faulty.
            throw new FailureException(Failure.AMBIGUOUS_FRAMING, "Transfer-Encoding in an " + protocol + " request");
        }
        if (!codings.isEmpty() && !lengths.isEmpty()) {
            // Section 6.1 lets a server read such a request by its chunking alone; refusing it means
            // no reader in front of the proxy can have gone by the length instead.
            throw new FailureException(Failure.AMBIGUOUS_FRAMING, "both Content-Length and Transfer-Encoding");
        }
        if (lengths.size() > 1 || lengths.stream().anyMatch(length -> length.indexOf(',') >= 0)) {
            // Section 6.3 item 5: several lengths, even equal ones, are refused rather than guessed at.
            throw new FailureException(Failure.AMBIGUOUS_FRAMING, "more than one Content-Length");
        }
        if (!codings.isEmpty() && !isChunkedAlone(codings)) {
            // Section 6.1: a coding the server does not understand is 501. The proxy forwards bodies
            // with their chunking removed and re-applied, so any other coding would reach the
            // backend undeclared.
            throw new FailureException(Failure.UNSUPPORTED_TRANSFER_CODING,
                    "Transfer-Encoding other than chunked: " + String.join(", ", codings));
        }
    }

    private static boolean isChunkedAlone(List<String> codings) {
        return codings.size() == 1 && codings.get(0).trim().toLowerCase(Locale.ROOT).equals("chunked");
    }
}
