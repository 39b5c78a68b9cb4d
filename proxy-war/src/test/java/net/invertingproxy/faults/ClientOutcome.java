package net.invertingproxy.faults;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import net.invertingproxy.tunnel.RawClient;
import net.invertingproxy.tunnel.RawResponse;

/**
 * Judges what a raw client received to the end of its connection, as an HTTP client would: either
 * one definite, complete response, or a response that visibly broke off (no last chunk, fewer
 * bytes than its length, or no response at all) on a connection that ended rather than hung.
 */
final class ClientOutcome {
    private ClientOutcome() {
    }

    /** Asserts that the connection ended with one complete response, and returns it. */
    static RawResponse assertComplete(RawClient.Received received) {
        if (received.ending() == RawClient.Ending.TIMEOUT) {
            throw new AssertionError("the connection hung (no end within the read timeout): " + shortened(received.bytes()));
        }
        try {
            return RawResponse.read(new ByteArrayInputStream(received.bytes()), false);
        } catch (IOException e) {
            throw new AssertionError("no complete response (" + e.getMessage() + "), " + received.ending() + ": "
                    + shortened(received.bytes()), e);
        }
    }

    /**
     * Asserts that {@code start} (read earlier) followed by {@code rest} (read to the end) is a
     * response cut short on a connection that ended: never one that could pass for complete.
     */
    static void assertBrokenOff(byte[] start, RawClient.Received rest) {
        byte[] all = new byte[start.length + rest.bytes().length];
        System.arraycopy(start, 0, all, 0, start.length);
        System.arraycopy(rest.bytes(), 0, all, start.length, rest.bytes().length);
        if (rest.ending() == RawClient.Ending.TIMEOUT) {
            throw new AssertionError("the connection hung after " + all.length + " bytes: " + shortened(all));
        }
        RawResponse parsed;
        try {
            parsed = RawResponse.read(new ByteArrayInputStream(all), false);
        } catch (IOException expected) {
            return;
        }
        throw new AssertionError("the client got a complete-looking response (" + all.length + " bytes): "
                + parsed.status() + " " + parsed.headers());
    }

    private static String shortened(byte[] bytes) {
        String text = new String(bytes, 0, Math.min(bytes.length, 300), StandardCharsets.ISO_8859_1);
        return text.replace("\r", "\\r").replace("\n", "\\n") + (bytes.length > 300 ? "... (" + bytes.length + " bytes)" : "");
    }
}
