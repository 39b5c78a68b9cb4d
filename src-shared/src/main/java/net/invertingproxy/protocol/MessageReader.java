package net.invertingproxy.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentLengthStrategy;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.DefaultContentLengthStrategy;
import org.apache.hc.core5.http.impl.io.ChunkedInputStream;
import org.apache.hc.core5.http.impl.io.ContentLengthInputStream;
import org.apache.hc.core5.http.impl.io.DefaultHttpRequestParser;
import org.apache.hc.core5.http.impl.io.DefaultHttpResponseParser;
import org.apache.hc.core5.http.impl.io.EmptyInputStream;
import org.apache.hc.core5.http.impl.io.IdentityInputStream;
import org.apache.hc.core5.http.impl.io.SessionInputBufferImpl;
import org.apache.hc.core5.http.message.BasicHeader;

/**
 * Reads the HTTP/1.1 messages carried in agent calls with HttpCore's classic parser: the head at
 * once, the body as a stream. Anything unparsable, oversized or ambiguously framed is a
 * {@link MalformedMessageException}.
 */
public final class MessageReader {
    // Holds the head and what the head's last read took of the body; larger body reads bypass it
    // (HttpCore reads them straight into the caller's array). Every message read allocates one, so
    // it stays small: thousands of answers a second would otherwise churn the heap.
    private static final int BUFFER_SIZE = 4 * 1024;

    private final Http1Config config;
    private final int maxHeadBytes;

    /**
     * A reader whose heads may be at most {@code maxHeadBytes} long in all (start line and headers;
     * so is any one line) and hold at most {@code maxHeaderCount} headers.
     */
    public MessageReader(int maxHeadBytes, int maxHeaderCount) {
        this.maxHeadBytes = maxHeadBytes;
        int maxLineLength = maxHeadBytes;
        this.config = Http1Config.custom()
                .setBufferSize(BUFFER_SIZE)
                .setMaxLineLength(maxLineLength)
                // HttpCore refuses a head once it holds maxHeaderCount lines; ours means "at most".
                .setMaxHeaderCount(maxHeaderCount + 1)
                .build();
    }

    /** A carried request: its head and its body. */
    public record IncomingRequest(RequestHead head, MessageBody body) {
    }

    /** A carried response: its head and its body. */
    public record IncomingResponse(ResponseHead head, MessageBody body) {
    }

    /** Reads a request message; a request without a length or chunking has no body (RFC 9112 section 6.3). */
    public IncomingRequest readRequest(InputStream carrier) throws IOException {
        return readRequest(carrier, false);
    }

    /**
     * Reads a request message; with {@code tunnelled} (an upgrade request the proxy sent as such),
     * a request that declares no body is followed by the client's upgraded connection, which its
     * body then carries until the carrying stream ends.
     */
    public IncomingRequest readRequest(InputStream carrier, boolean tunnelled) throws IOException {
        EndAwareInputStream in = carrying(carrier);
        SessionInputBufferImpl buffer = newBuffer();
        ClassicHttpRequest request = parse(() -> new RawTargetRequestParser(config).parse(buffer, in), in, "request");
        checkHeadSize(request.getMethod().length() + request.getRequestUri().length() + 10, request);
        FieldSyntax.checkMethod(request.getMethod());
        FieldSyntax.checkTarget(request.getRequestUri());
        FieldSyntax.checkHeaders(List.of(request.getHeaders()), "header");
        BodyFraming framing = framingOf(request, false);
        if (tunnelled && framing.kind() == BodyFraming.Kind.NONE) {
            framing = BodyFraming.untilEof();
        }
        RequestHead head = new RequestHead(request.getMethod(), request.getRequestUri(), headersWithoutFraming(request));
        return new IncomingRequest(head, body(buffer, in, framing));
    }

    /** Reads a response message to a request with the given method; HEAD, 1xx, 204 and 304 answers have no body. */
    public IncomingResponse readResponse(InputStream carrier, String requestMethod) throws IOException {
        return readResponse(carrier, requestMethod, false);
    }

    /**
     * As {@link #readResponse(InputStream, String)}; with {@code upgradeRequested}, a {@code 101}
     * answer is followed by the upgraded connection (RFC 9110 section 15.2.2), which its body then
     * carries until the carrying stream ends.
     */
    public IncomingResponse readResponse(InputStream carrier, String requestMethod, boolean upgradeRequested)
            throws IOException {
        EndAwareInputStream in = carrying(carrier);
        SessionInputBufferImpl buffer = newBuffer();
        ClassicHttpResponse response = parse(() -> new DefaultHttpResponseParser(config).parse(buffer, in), in,
                "response");
        String reason = response.getReasonPhrase();
        checkHeadSize(15 + (reason == null ? 0 : reason.length()), response);
        FieldSyntax.checkText(reason, "reason phrase");
        FieldSyntax.checkHeaders(List.of(response.getHeaders()), "header");
        int status = response.getCode();
        // HttpCore reads "042" as 42, which no writer can send on: a status is three digits.
        if (status < 100 || status > 999) {
            throw new MalformedMessageException("status " + status + " is not three digits");
        }
        boolean bodiless = "HEAD".equalsIgnoreCase(requestMethod) || status < 200 || status == 204 || status == 304;
        BodyFraming framing = bodiless ? BodyFraming.none() : framingOf(response, true);
        if (upgradeRequested && status == 101) {
            framing = BodyFraming.untilEof();
        }
        // A 101 that switches to a tunnel keeps no framing header either (found by fuzzing): its
        // body is the connection, and HTTP forbids Content-Length in a 1xx answer anyway.
        List<Header> headers = framing.kind() == BodyFraming.Kind.NONE
                ? asRead(response.getHeaders()) : headersWithoutFraming(response);
        ResponseHead head = new ResponseHead(status, response.getReasonPhrase(), headers);
        return new IncomingResponse(head, body(buffer, in, framing));
    }

    // While the head is parsed the buffer may read ahead into the body by up to one buffer.
    private EndAwareInputStream carrying(InputStream carrier) {
        return new EndAwareInputStream(carrier, (long) maxHeadBytes + BUFFER_SIZE);
    }

    private void checkHeadSize(int startLineLength, HttpMessage message) throws MalformedMessageException {
        // Start line and its CRLF, each header line with ": " and CRLF, and the closing CRLF.
        long size = startLineLength + 2L + 2L;
        for (Header header : message.getHeaders()) {
            size += header.getName().length() + (header.getValue() == null ? 0 : header.getValue().length()) + 4L;
        }
        if (size > maxHeadBytes) {
            throw new MalformedMessageException("message head of " + size + " bytes is larger than " + maxHeadBytes);
        }
    }

    private SessionInputBufferImpl newBuffer() {
        return new SessionInputBufferImpl(BUFFER_SIZE, config.getMaxLineLength());
    }

    private interface HeadParse<T> {
        T parse() throws IOException, HttpException;
    }

    // HttpCore takes the end of the stream for the end of the head; a head is complete only when
    // its empty line was read, which never needs the stream to end.
    private static <T> T parse(HeadParse<T> parse, EndAwareInputStream in, String what) throws IOException {
        T message;
        try {
            message = parse.parse();
        } catch (HttpException | MessageConstraintException e) {
            throw new MalformedMessageException("malformed " + what + " message: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // HttpCore's parser builds the message with argument checks of its own, which the status
            // "000" fails (found by fuzzing): it is just as malformed.
            throw new MalformedMessageException("malformed " + what + " message: " + e.getMessage(), e);
        }
        if (message == null) {
            throw new MalformedMessageException("empty " + what + " message");
        }
        if (in.endReached()) {
            throw new MalformedMessageException(what + " head cut short");
        }
        in.headDone();
        return message;
    }

    private static BodyFraming framingOf(HttpMessage message, boolean response) throws MalformedMessageException {
        long length;
        try {
            length = DefaultContentLengthStrategy.INSTANCE.determineLength(message);
        } catch (HttpException e) {
            throw new MalformedMessageException("ambiguous body framing: " + e.getMessage(), e);
        }
        if (length == ContentLengthStrategy.CHUNKED) {
            return BodyFraming.chunked();
        }
        if (length == ContentLengthStrategy.UNDEFINED) {
            return response ? BodyFraming.untilEof() : BodyFraming.none();
        }
        return BodyFraming.ofLength(length);
    }

    // Framing headers describe the carrying message, not the one the receiver will send on.
    private static List<Header> headersWithoutFraming(HttpMessage message) {
        List<Header> headers = new ArrayList<>();
        for (Header header : asRead(message.getHeaders())) {
            if (!HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(header.getName())
                    && !HttpHeaders.TRANSFER_ENCODING.equalsIgnoreCase(header.getName())) {
                headers.add(header);
            }
        }
        return headers;
    }

    /**
     * Plain copies of parsed headers, holding the value as the parser reads it. HttpCore's parsed
     * header keeps its raw line, which its writer sends on instead of the value: a NUL the value
     * reads as a space (RFC 9110 section 5.5) would go out as '?' (found by fuzzing). Such a
     * space at either end is trimmed, as whitespace around a value is no part of it.
     */
    static List<Header> asRead(Header[] parsed) {
        List<Header> headers = new ArrayList<>(parsed.length);
        for (Header header : parsed) {
            String value = header.getValue();
            headers.add(new BasicHeader(header.getName(), value == null ? null : value.trim()));
        }
        return headers;
    }

    private MessageBody body(SessionInputBufferImpl buffer, EndAwareInputStream in, BodyFraming framing) {
        switch (framing.kind()) {
            case CHUNKED:
                return new MessageBody(new ChunkedInputStream(buffer, in, config), framing, in, buffer);
            case CONTENT_LENGTH:
                return new MessageBody(framing.length() == 0
                        ? EmptyInputStream.INSTANCE
                        : new ContentLengthInputStream(buffer, in, framing.length()), framing, in, buffer);
            case UNTIL_EOF:
                return new MessageBody(new IdentityInputStream(buffer, in), framing, in, buffer);
            default:
                return new MessageBody(EmptyInputStream.INSTANCE, framing, in, buffer);
        }
    }
}
