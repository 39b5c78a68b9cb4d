package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.servlet.http.HttpServletResponse;

/** Writes the proxy's own error answers: the status and a one-line plain-text reason, never cached. */
final class ErrorResponses {
    private ErrorResponses() {
    }

    /** Sends the error if nothing was sent yet; a client or agent that went away is not an error here. */
    static void send(HttpServletResponse response, int status, String reason) {
        send(response, status, reason, false);
    }

    /** Sends the error and, if asked, closes the connection after it (so a peer still sending stops). */
    static void send(HttpServletResponse response, int status, String reason, boolean closeConnection) {
        send(response, status, reason, closeConnection, Map.of());
    }

    /** Sends the error with headers that explain it, such as {@code WWW-Authenticate}, {@code Allow} or {@code Retry-After}. */
    static void send(HttpServletResponse response, int status, String reason, Map<String, String> headers) {
        send(response, status, reason, false, headers);
    }

    private static void send(HttpServletResponse response, int status, String reason, boolean closeConnection,
                             Map<String, String> headers) {
        if (response.isCommitted()) {
            return;
        }
        try {
            response.reset();
            response.setStatus(status);
            response.setContentType("text/plain;charset=utf-8");
            response.setHeader("Cache-Control", "no-store");
            if (closeConnection) {
                response.setHeader("Connection", "close");
            }
            if (status == HttpServletResponse.SC_SERVICE_UNAVAILABLE) {
                response.setHeader("Retry-After", "1");
            }
            headers.forEach(response::setHeader);
            byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            response.flushBuffer();
        } catch (IOException | IllegalStateException e) {
            // The peer is gone; there is nobody left to tell.
        }
    }
}
