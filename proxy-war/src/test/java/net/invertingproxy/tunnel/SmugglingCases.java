package net.invertingproxy.tunnel;

import static net.invertingproxy.tunnel.SmugglingCase.Verdict.FORWARDED;
import static net.invertingproxy.tunnel.SmugglingCase.Verdict.REJECTED;
import static net.invertingproxy.tunnel.SmugglingCase.Verdict.REJECTED_IN_BODY;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The table of request smuggling and malformed HTTP/1.1 cases (RFC 9112; RFC 9110 for field
 * syntax) that every container running the proxy must pass. Wherever a second request could hide in
 * a case's bytes, it is {@link #SMUGGLED}: the backend must never see its target.
 */
public final class SmugglingCases {
    /** The request a smuggling attempt hides; its target never reaches a backend. */
    public static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";
    /** The target every hidden request uses. */
    public static final String SMUGGLED_TARGET = "/smuggled";

    private static final String HOST = "Host: a\r\n";
    /** A chunked body that ends, followed by the hidden request. */
    private static final String LAST_CHUNK_THEN_SMUGGLED = "0\r\n\r\n" + SMUGGLED;
    private static final String HELLO_CHUNKED = "5\r\nhello\r\n0\r\n\r\n";
    /**
     * RFC 9112 section 6.1: a server may read a request with both framings by its chunking alone,
     * provided it closes the connection after answering; the hidden request is then never read.
     * The proxy refuses such requests wherever it sees both headers; Tomcat drops Content-Length
     * before the application sees the request, and reads it so.
     */
    private static final SmugglingCase.Tolerance CHUNKING_ALONE_THEN_CLOSED = new SmugglingCase.Tolerance(
            List.of("POST /x"), true, "RFC 9112 section 6.1: read by its chunking alone, connection closed");
    /** RFC 9112 section 2.2: a recipient may take a bare LF for a line end; the proxy re-frames with CRLF. */
    private static final SmugglingCase.Tolerance LF_AS_LINE_END = new SmugglingCase.Tolerance(
            List.of("GET /x"), false, "RFC 9112 section 2.2: bare LF read as a line end");

    private static final String OBS_FOLD_RULE = "RFC 9112 section 5.2: obs-fold replaced by spaces";

    private SmugglingCases() {
    }

    /** Every case, in a fixed order. */
    public static List<SmugglingCase> all() {
        List<SmugglingCase> cases = new ArrayList<>();
        // RFC 9112 section 6.1: a request with both Content-Length and Transfer-Encoding may be
        // read by the two framings as different messages; one intermediary that believes each is
        // all an attack needs. Each length covers the hidden request, so a reader that goes by
        // the length sees one request, one that goes by the chunking sees two.
        cases.add(rejected("CL then TE: chunked", post("Content-Length: " + LAST_CHUNK_THEN_SMUGGLED.length(),
                "Transfer-Encoding: chunked") + LAST_CHUNK_THEN_SMUGGLED)
                .tolerating(CHUNKING_ALONE_THEN_CLOSED));
        cases.add(rejected("TE: chunked then CL", post("Transfer-Encoding: chunked",
                "Content-Length: " + LAST_CHUNK_THEN_SMUGGLED.length()) + LAST_CHUNK_THEN_SMUGGLED)
                .tolerating(CHUNKING_ALONE_THEN_CLOSED));
        cases.add(rejected("CL shorter than the chunked body, with TE: chunked",
                post("Content-Length: 3", "Transfer-Encoding: chunked") + LAST_CHUNK_THEN_SMUGGLED)
                .tolerating(CHUNKING_ALONE_THEN_CLOSED));
        cases.add(rejected("CL with TE: xchunked", post("Content-Length: " + LAST_CHUNK_THEN_SMUGGLED.length(),
                "Transfer-Encoding: xchunked") + LAST_CHUNK_THEN_SMUGGLED));
        cases.add(rejected("TE: xchunked alone", post("Transfer-Encoding: xchunked") + LAST_CHUNK_THEN_SMUGGLED));
        // Section 6.3 item 4: in a request, chunked must be the final coding, applied once.
        cases.add(rejected("TE: chunked, identity", post("Transfer-Encoding: chunked, identity") + HELLO_CHUNKED));
        cases.add(rejected("TE: identity, chunked with CL", post("Content-Length: " + LAST_CHUNK_THEN_SMUGGLED.length(),
                "Transfer-Encoding: identity, chunked") + LAST_CHUNK_THEN_SMUGGLED));
        cases.add(rejected("TE: gzip, chunked", post("Transfer-Encoding: gzip, chunked") + HELLO_CHUNKED));
        cases.add(rejected("TE: chunked twice", post("Transfer-Encoding: chunked", "Transfer-Encoding: chunked")
                + HELLO_CHUNKED));
        // Section 5.1: whitespace between a field name and its colon must be rejected, as some
        // readers take "Transfer-Encoding " for another field and others for Transfer-Encoding.
        cases.add(rejected("'Transfer-Encoding : chunked' with CL", post("Content-Length: "
                + LAST_CHUNK_THEN_SMUGGLED.length(), "Transfer-Encoding : chunked") + LAST_CHUNK_THEN_SMUGGLED));
        // Leading whitespace in the value is legal (OWS), so this is CL and TE together.
        cases.add(rejected("'Transfer-Encoding: <TAB>chunked' with CL", post("Content-Length: "
                + LAST_CHUNK_THEN_SMUGGLED.length(), "Transfer-Encoding: \tchunked") + LAST_CHUNK_THEN_SMUGGLED)
                .tolerating(CHUNKING_ALONE_THEN_CLOSED));
        cases.add(rejected("'Transfer-Encoding: <VT>chunked' with CL", post("Content-Length: "
                + LAST_CHUNK_THEN_SMUGGLED.length(), "Transfer-Encoding: \u000Bchunked") + LAST_CHUNK_THEN_SMUGGLED));
        cases.add(forwarded("TE: CHUNKED (codings are case-insensitive)", post("Transfer-Encoding: CHUNKED")
                + HELLO_CHUNKED, "POST /x hello"));

        // Section 6.3 item 5: differing lengths, or a list of them, cannot frame a message.
        cases.add(rejected("two differing CLs", post("Content-Length: 5", "Content-Length: 6") + "hello!" + SMUGGLED));
        cases.add(rejected("CL: 5, 6", post("Content-Length: 5, 6") + "hello!" + SMUGGLED));
        cases.add(rejected("the same CL twice", post("Content-Length: 5", "Content-Length: 5") + "hello"));
        cases.add(rejected("CL: -1", post("Content-Length: -1") + SMUGGLED));
        cases.add(rejected("CL: +5", post("Content-Length: +5") + "hello"));
        cases.add(rejected("CL: 0x5", post("Content-Length: 0x5") + "hello"));
        cases.add(rejected("CL beyond 64 bits", post("Content-Length: 99999999999999999999") + "hello"));

        // Section 7.1: chunk sizes are hex digits only; anything else is a broken body.
        cases.add(rejectedInBody("chunk size not hex", chunked("zz\r\nhello\r\n0\r\n\r\n")));
        cases.add(rejectedInBody("negative chunk size", chunked("-5\r\nhello\r\n0\r\n\r\n")));
        cases.add(rejectedInBody("chunk size 0x10", chunked("0x10\r\n0123456789abcdef\r\n0\r\n\r\n" + SMUGGLED)));
        cases.add(rejectedInBody("chunk size beyond 64 bits", chunked("100000000000000005\r\nhello\r\n0\r\n\r\n")));
        cases.add(rejectedInBody("chunk size 2^64-1", chunked("ffffffffffffffff\r\nhello\r\n0\r\n\r\n" + SMUGGLED)));
        cases.add(rejectedInBody("chunk data not followed by CRLF", chunked("5\r\nhelloX0\r\n\r\n" + SMUGGLED)));
        cases.add(new SmugglingCase("chunk size larger than the body, then a pause and the client's end",
                chunked("100\r\nhello"), REJECTED_IN_BODY, List.of(), Duration.ofSeconds(1), null));
        // Section 7.1.1: extensions are legal and ignored by whoever does not know them.
        cases.add(forwarded("legal chunk extensions", chunked("5;name=value\r\nhello\r\n3;q=\"a;b\";flag\r\n!!!\r\n"
                + "0;last=1\r\n\r\n"), "POST /x hello!!!"));
        cases.add(rejectedInBody("chunk extension of 100 KiB", chunked("5;x=" + "a".repeat(100 * 1024)
                + "\r\nhello\r\n0\r\n\r\n")));
        cases.add(rejectedInBody("chunk extension with NUL", chunked("5;x\u0000y\r\nhello\r\n0\r\n\r\n")));
        cases.add(rejectedInBody("chunk extension with bare LF", chunked("5;x\ny\r\nhello\r\n0\r\n\r\n")));

        // Section 2.2: a bare CR must be rejected; bare LF may be accepted only as a line end, and
        // the proxy's containers are expected to reject it, so that no reader differs from them.
        cases.add(rejected("bare LF line endings", "GET /x HTTP/1.1\nHost: a\n\n").tolerating(LF_AS_LINE_END));
        cases.add(rejected("bare LF after a header", "GET /x HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n")
                .tolerating(LF_AS_LINE_END));
        cases.add(rejected("bare CR in the request line", "GET /x\rHTTP/1.1\r\nHost: a\r\n\r\n"));
        cases.add(rejectedInBody("bare LF in chunk framing", chunked("5\nhello\n0\n\n")));
        // Section 5.2: obs-fold in a request must be rejected or replaced by spaces; a folded
        // Transfer-Encoding is where readers could disagree.
        // Tomcat replaces the fold; the folded "Transfer-Encoding" is then part of a value, and the
        // body goes by its length, hidden request and all, as data.
        cases.add(rejected("obs-fold continuation line", "GET /x HTTP/1.1\r\nHost: a\r\nX-Fold: a\r\n b\r\n\r\n")
                .tolerating(new SmugglingCase.Tolerance(List.of("GET /x"), false, OBS_FOLD_RULE)));
        cases.add(rejected("obs-fold hiding TE", post("Content-Length: " + LAST_CHUNK_THEN_SMUGGLED.length(),
                "X-Fold: a", " Transfer-Encoding: chunked") + LAST_CHUNK_THEN_SMUGGLED)
                .tolerating(new SmugglingCase.Tolerance(List.of("POST /x " + RequestRecorder.printable(LAST_CHUNK_THEN_SMUGGLED)), false,
                        OBS_FOLD_RULE)));
        // RFC 9110 section 5.5: NUL, CR and LF in a value must be rejected (or replaced); field
        // names are tokens.
        cases.add(rejected("NUL in a header value", "GET /x HTTP/1.1\r\nHost: a\r\nX-A: a\u0000b\r\n\r\n"));
        cases.add(rejected("NUL in a header name", "GET /x HTTP/1.1\r\nHost: a\r\nX\u0000A: b\r\n\r\n"));
        cases.add(rejected("bare CR in a header value", "GET /x HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n"));
        cases.add(rejected("control character 0x01 in a header value", "GET /x HTTP/1.1\r\nHost: a\r\nX-A: a\u0001b\r\n\r\n"));
        cases.add(rejected("space in a header name", "GET /x HTTP/1.1\r\nHost: a\r\nX A: b\r\n\r\n"));
        cases.add(rejected("header line without colon", "GET /x HTTP/1.1\r\nHost: a\r\nX-A b\r\n\r\n"));

        // Limits: the proxy forwards heads it can carry; larger ones are refused at the door.
        cases.add(rejected("request line of 70 KiB", "GET /" + "a".repeat(70 * 1024) + " HTTP/1.1\r\nHost: a\r\n\r\n"));
        cases.add(rejected("header of 70 KiB", "GET /x HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(70 * 1024)
                + "\r\n\r\n"));
        cases.add(rejected("1000 headers", "GET /x HTTP/1.1\r\nHost: a\r\n" + manyHeaders(1000) + "\r\n"));
        // Section 3: a recipient may split the request line on any run of whitespace.
        cases.add(rejected("double space in the request line", "GET  /x HTTP/1.1\r\nHost: a\r\n\r\n")
                .tolerating(new SmugglingCase.Tolerance(List.of("GET /x"), false,
                        "RFC 9112 section 3: request line split on whitespace")));

        // Section 3.2: one Host, required in HTTP/1.1, an authority without userinfo; with an
        // absolute-form target (section 3.2.2) the target's authority is the one that counts, so
        // a Host naming another would let routing and the backend read different hosts.
        cases.add(rejected("absolute-form target with a conflicting Host",
                "GET http://other.example/x HTTP/1.1\r\nHost: a\r\n\r\n"));
        cases.add(forwarded("absolute-form target matching Host", "GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n", "GET /x"));
        cases.add(rejected("two differing Hosts", "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
        cases.add(rejected("the same Host twice", "GET /x HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"));
        cases.add(rejected("no Host in HTTP/1.1", "GET /x HTTP/1.1\r\n\r\n"));
        cases.add(rejected("Host with userinfo", "GET /x HTTP/1.1\r\nHost: user@a\r\n\r\n"));
        cases.add(rejected("Host with a path", "GET /x HTTP/1.1\r\nHost: a/b\r\n\r\n"));

        // Section 6.1: HTTP/1.0 has no chunking; its framing is faulty, whatever else it says.
        cases.add(rejected("HTTP/1.0 with TE: chunked", "POST /x HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + LAST_CHUNK_THEN_SMUGGLED));
        cases.add(rejected("HTTP/1.0 with TE: chunked and CL", "POST /x HTTP/1.0\r\nHost: a\r\nContent-Length: "
                + LAST_CHUNK_THEN_SMUGGLED.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n" + LAST_CHUNK_THEN_SMUGGLED));

        // Section 9.3.2: pipelined requests are answered in order, each reaching the backend once.
        cases.add(forwarded("two pipelined GETs", "GET /p1 HTTP/1.1\r\nHost: a\r\n\r\nGET /p2 HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /p1", "GET /p2"));
        cases.add(forwarded("pipelined POST with CL, then GET", "POST /p1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /p2 HTTP/1.1\r\nHost: a\r\n\r\n", "POST /p1 hello", "GET /p2"));
        cases.add(forwarded("pipelined chunked POST, then GET", "POST /p1 HTTP/1.1\r\nHost: a\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + HELLO_CHUNKED + "GET /p2 HTTP/1.1\r\nHost: a\r\n\r\n",
                "POST /p1 hello", "GET /p2"));
        return List.copyOf(cases);
    }

    private static SmugglingCase rejected(String name, String request) {
        return new SmugglingCase(name, request, REJECTED, List.of(), null, null);
    }

    private static SmugglingCase rejectedInBody(String name, String request) {
        return new SmugglingCase(name, request, REJECTED_IN_BODY, List.of(), null, null);
    }

    private static SmugglingCase forwarded(String name, String request, String... backendSees) {
        return new SmugglingCase(name, request, FORWARDED, List.of(backendSees), null, null);
    }

    /** {@code POST /x} with the given header lines, up to and including the empty line. */
    private static String post(String... headerLines) {
        return "POST /x HTTP/1.1\r\n" + HOST + String.join("\r\n", headerLines) + "\r\n\r\n";
    }

    /** {@code POST /x}, chunked, with the given body bytes. */
    private static String chunked(String body) {
        return post("Transfer-Encoding: chunked") + body;
    }

    private static String manyHeaders(int count) {
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < count; i++) {
            headers.append("X-H").append(i).append(": v\r\n");
        }
        return headers.toString();
    }
}
