package net.invertingproxy.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.impl.io.ChunkedOutputStream;
import org.apache.hc.core5.http.impl.io.ContentLengthOutputStream;
import org.apache.hc.core5.http.impl.io.DefaultHttpRequestWriter;
import org.apache.hc.core5.http.impl.io.DefaultHttpResponseWriter;
import org.apache.hc.core5.http.impl.io.SessionOutputBufferImpl;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.message.BasicHeader;

/**
 * Writes the HTTP/1.1 messages carried in agent calls with HttpCore's classic writer, returning a
 * stream for the body; closing that stream ends the body (the last chunk and trailers) without
 * closing the carrying stream.
 */
public final class MessageWriter {
    private static final int BUFFER_SIZE = 16 * 1024;

    private MessageWriter() {
    }

    /** Writes a request head framed as given and returns the stream for its body. */
    public static OutputStream writeRequest(RequestHead head, BodyFraming framing,
                                            Supplier<List<Header>> trailers, OutputStream out) throws IOException {
        ClassicHttpRequest request = new BasicClassicHttpRequest(head.method(), (String) null);
        // Set as a plain path: given to the constructor, a target such as "//a/b" would be parsed
        // as a URI and lose "a" as its authority.
        request.setPath(head.target());
        setHeaders(request, head.headers(), framing, false);
        SessionOutputBufferImpl buffer = newBuffer(BUFFER_SIZE);
        try {
            new DefaultHttpRequestWriter().write(request, buffer, out);
        } catch (HttpException e) {
            throw new MalformedMessageException("cannot write request head: " + e.getMessage(), e);
        }
        return bodyStream(buffer, framing, trailers, out, BUFFER_SIZE);
    }

    /** Writes a response head framed as given and returns the stream for its body. */
    public static OutputStream writeResponse(ResponseHead head, BodyFraming framing,
                                             Supplier<List<Header>> trailers, OutputStream out) throws IOException {
        return writeResponse(head, framing, trailers, out, BUFFER_SIZE);
    }

    /**
     * As {@link #writeResponse(ResponseHead, BodyFraming, Supplier, OutputStream)}, through buffers of
     * {@code bufferSize} bytes: a caller that flushes after every write gains nothing from large ones.
     */
    public static OutputStream writeResponse(ResponseHead head, BodyFraming framing, Supplier<List<Header>> trailers,
                                             OutputStream out, int bufferSize) throws IOException {
        ClassicHttpResponse response = new BasicClassicHttpResponse(head.status(), head.reasonPhrase());
        setHeaders(response, head.headers(), framing, true);
        SessionOutputBufferImpl buffer = newBuffer(bufferSize);
        try {
            new DefaultHttpResponseWriter().write(response, buffer, out);
        } catch (HttpException e) {
            throw new MalformedMessageException("cannot write response head: " + e.getMessage(), e);
        }
        return bodyStream(buffer, framing, trailers, out, bufferSize);
    }

    // The reader takes every byte of a head for the char of the same value (ISO-8859-1), so the
    // writer encodes the same way. Without an encoder HttpCore writes '?' for the chars 0x7f-0x9f,
    // which are ordinary bytes of UTF-8 text in a header value (found by fuzzing the round trip).
    // What ISO-8859-1 cannot hold still becomes '?'.
    private static SessionOutputBufferImpl newBuffer(int bufferSize) {
        return new SessionOutputBufferImpl(bufferSize, StandardCharsets.ISO_8859_1.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE));
    }

    // The framing headers are always recomputed from the framing actually used, so a message can
    // never announce one length and carry another. A bodiless response (HEAD, 204, 304) keeps the
    // Content-Length the backend sent, since it describes the representation, not this message.
    private static void setHeaders(HttpMessage message, List<Header> headers, BodyFraming framing, boolean response)
            throws MalformedMessageException {
        // HttpCore writes a name as it is: a line break in one would start a line of its own
        // (request smuggling). Containers refuse such names; this is the last line of defence.
        FieldSyntax.checkHeaderNames(headers);
        boolean keepLength = response && framing.kind() == BodyFraming.Kind.NONE;
        for (Header header : headers) {
            String name = header.getName();
            boolean framingHeader = HttpHeaders.TRANSFER_ENCODING.equalsIgnoreCase(name)
                    || (HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name) && !keepLength);
            if (!framingHeader) {
                message.addHeader(header);
            }
        }
        if (framing.kind() == BodyFraming.Kind.CONTENT_LENGTH) {
            message.addHeader(new BasicHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(framing.length())));
        } else if (framing.kind() == BodyFraming.Kind.CHUNKED) {
            message.addHeader(new BasicHeader(HttpHeaders.TRANSFER_ENCODING, "chunked"));
        }
    }

    private static OutputStream bodyStream(SessionOutputBufferImpl buffer, BodyFraming framing,
                                           Supplier<List<Header>> trailers, OutputStream out, int bufferSize)
            throws IOException {
        switch (framing.kind()) {
            case CHUNKED:
                return new ChunkedOutputStream(buffer, out, bufferSize,
                        trailers == null ? null : () -> copyOrNull(trailers.get()));
            case CONTENT_LENGTH:
                return new ExactLengthOutputStream(new ContentLengthOutputStream(buffer, out, framing.length()),
                        framing.length());
            case UNTIL_EOF:
                return new ContentLengthOutputStream(buffer, out, Long.MAX_VALUE);
            default:
                buffer.flush(out);
                return OutputStream.nullOutputStream();
        }
    }

    private static List<Header> copyOrNull(List<Header> trailers) {
        return trailers == null || trailers.isEmpty() ? null : new ArrayList<>(trailers);
    }
}
