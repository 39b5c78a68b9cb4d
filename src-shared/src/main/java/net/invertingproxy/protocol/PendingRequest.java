package net.invertingproxy.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One entry of a poll answer: a request ID, and in the inline poll mode possibly the whole request
 * message (a bodiless request's head), so that the agent need not read it with
 * {@code GET agent/request}.
 *
 * @param id the request ID
 * @param message the request message as ISO-8859-1 text (HTTP/1.1 bytes one for one), or null
 *                when the agent must read it
 * @param userId the verified end user the proxy vouches for, or null
 */
public record PendingRequest(String id, String message, String userId) {
    /** Requires the ID. */
    public PendingRequest {
        Objects.requireNonNull(id, "id");
    }

    /** An entry the agent reads with {@code GET agent/request}. */
    public static PendingRequest toRead(String id) {
        return new PendingRequest(id, null, null);
    }

    /** Whether the request message came with the answer. */
    public boolean isInline() {
        return message != null;
    }

    /** The inline request message as the bytes of an HTTP/1.1 message. */
    public byte[] messageBytes() {
        return message.getBytes(StandardCharsets.ISO_8859_1);
    }
}
