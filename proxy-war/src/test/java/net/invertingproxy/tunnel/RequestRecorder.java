package net.invertingproxy.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A {@link TestBackend} behaviour that records every request whole (method, target, headers, body,
 * and whether the body arrived complete or broke off) and answers {@code 200 ok}.
 */
public final class RequestRecorder implements TestBackend.Behaviour {
    /** One request as the backend received it. */
    public record Seen(String method, String target, List<Map.Entry<String, String>> headers, byte[] body,
                       boolean complete) {
        /** {@code METHOD target body}, with {@code (broken off)} for a body that did not arrive whole. */
        public String summary() {
            String text = printable(new String(body, StandardCharsets.ISO_8859_1));
            return (method + " " + target + " " + text).trim() + (complete ? "" : " (broken off)");
        }
    }

    /** The text with CR and LF spelled {@code \r} and {@code \n}, so that a summary stays on one line. */
    public static String printable(String text) {
        return text.replace("\r", "\\r").replace("\n", "\\n");
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, TestBackend.RecordedRequest recorded)
            throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean complete = readFully(request.getInputStream(), body);
        seen.add(new Seen(recorded.method(), recorded.target(), recorded.headers(), body.toByteArray(), complete));
        if (complete) {
            response.setStatus(200);
            response.setContentLength(2);
            response.getOutputStream().write("ok".getBytes(StandardCharsets.US_ASCII));
        }
    }

    // Keeps what arrived before a break, so a test can tell a broken body from a missing one.
    private static boolean readFully(InputStream in, ByteArrayOutputStream into) {
        byte[] buffer = new byte[8192];
        try {
            int read;
            while ((read = in.read(buffer)) != -1) {
                into.write(buffer, 0, read);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Every request recorded since the last {@link #forget()}, in the order their bodies ended. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** Forgets the requests recorded so far. */
    public void forget() {
        seen.clear();
    }
}
