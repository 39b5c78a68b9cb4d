package net.invertingproxy.tunnel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One row of the request smuggling table: the exact bytes a client sends on a fresh connection,
 * what the proxy must make of them, and what the backend may see as a result.
 *
 * @param name            short name for the report
 * @param request         the bytes, one character per byte (ISO-8859-1)
 * @param verdict         what the client must get
 * @param forwardedAs     for {@link Verdict#FORWARDED}: the requests the backend must see, in order, as
 *                        {@link RequestRecorder.Seen#summary()}; empty otherwise
 * @param pauseThenFinish if not null, the client waits this long after sending (no answer may come,
 *                        as the request is incomplete) and then half-closes its connection
 * @param tolerated       for a refused case, the one other outcome RFC 9112 lets a server choose
 *                        instead, if it lets one; else null
 */
public record SmugglingCase(String name, String request, Verdict verdict, List<String> forwardedAs,
                            Duration pauseThenFinish, Tolerance tolerated) {
    /**
     * An outcome RFC 9112 allows instead of a refusal: a 2xx answer, the backend sees exactly
     * {@code forwardedAs}, and, with {@code thenClosed}, the server closes the connection after it.
     */
    public record Tolerance(List<String> forwardedAs, boolean thenClosed, String rule) {
    }

    /** The same case, also passing when a server takes the tolerated outcome instead. */
    public SmugglingCase tolerating(Tolerance tolerance) {
        return new SmugglingCase(name, request, verdict, forwardedAs, pauseThenFinish, tolerance);
    }

    /** What the client must get, and so what may reach the backend. */
    public enum Verdict {
        /** A 4xx (or 501) answer, and the backend sees nothing at all. */
        REJECTED,
        /**
         * A 4xx answer, and the backend sees no complete request: bodies stream, so a head may already
         * be on its way when the body turns out malformed, but its body must break off, never end.
         */
        REJECTED_IN_BODY,
        /** A 2xx answer to each request, and the backend sees exactly {@code forwardedAs}. */
        FORWARDED
    }

    /** The request's bytes. */
    public byte[] bytes() {
        return request.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** How many answers the client waits for: one per forwarded request, else the one refusal. */
    public int answersExpected() {
        return verdict == Verdict.FORWARDED ? forwardedAs.size() : 1;
    }

    @Override
    public String toString() {
        return name;
    }
}
