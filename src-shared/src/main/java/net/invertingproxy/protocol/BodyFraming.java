package net.invertingproxy.protocol;

/** How a message body is delimited on the wire (RFC 9112 section 6.3). */
public record BodyFraming(Kind kind, long length) {
    /** The ways a body can be delimited. */
    public enum Kind {
        /** The message has no body. */
        NONE,
        /** The body is exactly {@code length} bytes. */
        CONTENT_LENGTH,
        /** The body is chunked and may end with trailers. */
        CHUNKED,
        /** The body runs until the carrying stream ends (responses only). */
        UNTIL_EOF
    }

    private static final BodyFraming NONE = new BodyFraming(Kind.NONE, 0);
    private static final BodyFraming CHUNKED = new BodyFraming(Kind.CHUNKED, -1);
    private static final BodyFraming UNTIL_EOF = new BodyFraming(Kind.UNTIL_EOF, -1);

    /** No body. */
    public static BodyFraming none() {
        return NONE;
    }

    /** A body of a known length; zero means no body. */
    public static BodyFraming ofLength(long length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        return new BodyFraming(Kind.CONTENT_LENGTH, length);
    }

    /** A chunked body. */
    public static BodyFraming chunked() {
        return CHUNKED;
    }

    /** A body delimited by the end of the stream. */
    public static BodyFraming untilEof() {
        return UNTIL_EOF;
    }

    /** Whether any body bytes can follow the head. */
    public boolean hasBody() {
        return kind == Kind.CHUNKED || kind == Kind.UNTIL_EOF || (kind == Kind.CONTENT_LENGTH && length > 0);
    }
}
