package net.invertingproxy.protocol;

import java.util.List;

import org.apache.hc.core5.http.Header;

/**
 * Checks what HttpCore's lenient parser lets through against RFC 9110: a method and a header name
 * are tokens (section 5.1), and no start line part or header value holds a control character other
 * than a tab (section 5.5). HttpCore keeps such characters (bar a NUL in a value, which it turns into
 * a space); passed on, they would reach a container or client that fails on them or reads them
 * differently, and HttpCore's own writer silently turns them into {@code ?}.
 */
final class FieldSyntax {
    private static final String TOKEN_PUNCTUATION = "!#$%&'*+-.^_`|~";

    private FieldSyntax() {
    }

    static void checkMethod(String method) throws MalformedMessageException {
        if (!isToken(method)) {
            throw new MalformedMessageException("request method is not a token");
        }
    }

    /**
     * The request target: no white space at all (RFC 9112 section 3.2). HttpCore reads a bare CR
     * inside the request line as a space and keeps it in the target (found by fuzzing), which
     * written on would split the request line differently.
     */
    static void checkTarget(String target) throws MalformedMessageException {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new MalformedMessageException("request target holds white space or a control character");
            }
        }
    }

    /** A reason phrase or header value: any text without control characters but tab. */
    static void checkText(String text, String what) throws MalformedMessageException {
        if (text != null && hasControl(text)) {
            throw new MalformedMessageException(what + " holds a control character");
        }
    }

    static void checkHeaders(List<? extends Header> headers, String what) throws MalformedMessageException {
        for (Header header : headers) {
            if (!isToken(header.getName())) {
                throw new MalformedMessageException(what + " name is not a token");
            }
            checkText(header.getValue(), what + " " + header.getName());
        }
    }

    /** Refuses a header name that is no token (RFC 9110 section 5.1), as a writer must never send one. */
    static void checkHeaderNames(List<? extends Header> headers) throws MalformedMessageException {
        for (Header header : headers) {
            if (!isToken(header.getName())) {
                throw new MalformedMessageException("header name is not a token: cannot be written");
            }
        }
    }

    private static boolean isToken(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean tchar = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || TOKEN_PUNCTUATION.indexOf(c) >= 0;
            if (!tchar) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasControl(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
