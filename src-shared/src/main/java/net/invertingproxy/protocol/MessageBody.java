package net.invertingproxy.protocol;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import org.apache.hc.core5.http.impl.io.ChunkedInputStream;
import org.apache.hc.core5.http.impl.io.SessionInputBufferImpl;
import org.apache.hc.core5.http.Header;

/**
 * The decoded body of a carried message, read as it arrives. A premature end of the carrying
 * stream surfaces as an {@link IOException}, never as a normal end, so a truncated body cannot be
 * mistaken for a complete one.
 */
public final class MessageBody extends FilterInputStream {
    private final BodyFraming framing;
    private final EndAwareInputStream carrier;
    private final SessionInputBufferImpl readAhead;

    MessageBody(InputStream decoded, BodyFraming framing, EndAwareInputStream carrier,
                SessionInputBufferImpl readAhead) {
        super(decoded);
        this.framing = framing;
        this.carrier = carrier;
        this.readAhead = readAhead;
    }

    /**
     * Takes the bytes that reading the head drew from the carrier beyond it, and that no read of
     * this body has returned yet. For a body that runs to the end of the carrier, they and the rest
     * of the carrier are the body: a caller that goes on reading the carrier itself (for example
     * without blocking) must pass them on first.
     */
    public byte[] takeReadAhead() throws IOException {
        int length = readAhead.length();
        byte[] bytes = new byte[length];
        int taken = 0;
        while (taken < length) {
            // Served from the buffer alone while it holds bytes: the carrier is never read here.
            taken += readAhead.read(bytes, taken, length - taken, carrier);
        }
        return bytes;
    }

    // Single bytes go through the bulk path: HttpCore's single-byte chunk decoding takes a cut
    // chunk for a clean end.
    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int read = read(one, 0, 1);
        return read == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int read = in.read(buffer, offset, length);
        // A chunked body ends with its last chunk and an empty line, never with the stream; a
        // stream that ended while the trailers were read means they were cut off.
        if (read == -1 && framing.kind() == BodyFraming.Kind.CHUNKED && carrier.endReached()) {
            throw new IOException("chunked body cut short before its end");
        }
        if (read == -1) {
            FieldSyntax.checkHeaders(trailers(), "trailer");
        }
        return read;
    }

    /** How the body was delimited on the wire. */
    public BodyFraming framing() {
        return framing;
    }

    /** Trailers of a chunked body, available once the body has been read to its end. */
    public List<Header> trailers() {
        if (in instanceof ChunkedInputStream) {
            Header[] footers = ((ChunkedInputStream) in).getFooters();
            return footers == null ? List.of() : MessageReader.asRead(footers);
        }
        return List.of();
    }

    // Closing must not drain the rest of the body (HttpCore's decoders would): the owner of the
    // carrying stream decides whether to read on or abort.
    @Override
    public void close() {
    }
}
