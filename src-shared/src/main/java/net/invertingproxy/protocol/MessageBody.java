package net.invertingproxy.protocol;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import org.apache.hc.core5.http.impl.io.ChunkedInputStream;
import org.apache.hc.core5.http.Header;

/**
 * The decoded body of a carried message, read as it arrives. A premature end of the carrying
 * stream surfaces as an {@link IOException}, never as a normal end, so a truncated body cannot be
 * mistaken for a complete one.
 */
public final class MessageBody extends FilterInputStream {
    private final BodyFraming framing;

    MessageBody(InputStream decoded, BodyFraming framing) {
        super(decoded);
        this.framing = framing;
    }

    /** How the body was delimited on the wire. */
    public BodyFraming framing() {
        return framing;
    }

    /** Trailers of a chunked body, available once the body has been read to its end. */
    public List<Header> trailers() {
        if (in instanceof ChunkedInputStream) {
            Header[] footers = ((ChunkedInputStream) in).getFooters();
            return footers == null ? List.of() : List.of(footers);
        }
        return List.of();
    }

    // Closing must not drain the rest of the body (HttpCore's decoders would): the owner of the
    // carrying stream decides whether to read on or abort.
    @Override
    public void close() {
    }
}
