package net.invertingproxy.proxy.servlet;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

/**
 * The answer to a replay as the dashboard's page gets it: the backend's status and body as they
 * come, but every header renamed {@code X-Replayed-Header-<n>: <name>: <value>}, so none acts on
 * the operator's browser (a {@code Set-Cookie} for the proxy's origin, a content type to render).
 */
final class ReplayAnswer extends HttpServletResponseWrapper {
    /** Prefix of the renamed headers, numbered in the order the backend sent them. */
    static final String HEADER_PREFIX = "X-Replayed-Header-";

    private int headers;

    ReplayAnswer(HttpServletResponse response) {
        super(response);
        ownHeaders();
    }

    private void ownHeaders() {
        HttpServletResponse response = (HttpServletResponse) getResponse();
        response.setContentType("application/octet-stream");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Cache-Control", "no-store");
    }

    private void rename(String name, String value) {
        super.addHeader(HEADER_PREFIX + ++headers, name + ": " + value);
    }

    @Override
    public void setHeader(String name, String value) {
        rename(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
        rename(name, value);
    }

    @Override
    public void setIntHeader(String name, int value) {
        rename(name, Integer.toString(value));
    }

    @Override
    public void addIntHeader(String name, int value) {
        rename(name, Integer.toString(value));
    }

    @Override
    public void setDateHeader(String name, long date) {
        rename(name, DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(date).atZone(ZoneOffset.UTC)));
    }

    @Override
    public void addDateHeader(String name, long date) {
        setDateHeader(name, date);
    }

    @Override
    public void setContentType(String type) {
        if (type != null) {
            rename("Content-Type", type);
        }
    }

    @Override
    public void setCharacterEncoding(String charset) {
        // The page reads bytes; the real answer keeps its own type.
    }

    @Override
    public void setLocale(Locale locale) {
        // As for the character encoding.
    }

    @Override
    public boolean containsHeader(String name) {
        return false;
    }

    @Override
    public String getHeader(String name) {
        return null;
    }

    @Override
    public Collection<String> getHeaders(String name) {
        return List.of();
    }

    @Override
    public void setTrailerFields(Supplier<Map<String, String>> supplier) {
        // Trailers would need chunked framing to the page, which shows none of them.
    }

    @Override
    public void reset() {
        super.reset();
        headers = 0;
        ownHeaders();
    }
}
