package net.invertingproxy.proxy.servlet;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;

import net.invertingproxy.protocol.HopByHopHeaders;
import net.invertingproxy.proxy.inspect.HeaderRedaction;
import net.invertingproxy.proxy.inspect.InspectedExchange;
import net.invertingproxy.proxy.inspect.InspectedHeader;

/**
 * The dashboard's replay call dressed as the inspected request it sends again: that request's
 * method, target, headers and body, so the proxy parks and forwards it like any client's. Hidden
 * header values (credentials, cookies) were never kept and are not sent; the forwarding headers
 * are added anew for the operator's call, as for any client.
 */
final class ReplayedRequest extends HttpServletRequestWrapper {
    private static final Set<String> ADDED_ANEW = Set.of("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
            "content-length", "transfer-encoding");

    private final InspectedExchange original;
    private final List<Header> headers;
    private final ServletInputStream body;

    ReplayedRequest(HttpServletRequest call, InspectedExchange original) {
        super(call);
        this.original = original;
        this.headers = headersOf(original);
        this.body = new BytesInputStream(original.requestBody());
    }

    private static List<Header> headersOf(InspectedExchange original) {
        List<Header> kept = new ArrayList<>();
        boolean hadLength = false;
        for (InspectedHeader header : original.requestHeaders()) {
            String name = header.name().toLowerCase(Locale.ROOT);
            hadLength |= name.equals("content-length");
            if (!ADDED_ANEW.contains(name) && !HeaderRedaction.REDACTED.equals(header.value())) {
                kept.add(new BasicHeader(header.name(), header.value()));
            }
        }
        // A WebSocket handshake is sent again as a plain request: its Upgrade and Connection go.
        kept = HopByHopHeaders.remove(kept);
        if (hadLength || original.requestBody().length > 0) {
            kept.add(new BasicHeader("Content-Length", Integer.toString(original.requestBody().length)));
        }
        return kept;
    }

    @Override
    public String getMethod() {
        return original.method();
    }

    @Override
    public String getRequestURI() {
        int query = original.target().indexOf('?');
        return query < 0 ? original.target() : original.target().substring(0, query);
    }

    @Override
    public String getQueryString() {
        int query = original.target().indexOf('?');
        return query < 0 ? null : original.target().substring(query + 1);
    }

    @Override
    public String getProtocol() {
        return "HTTP/1.1";
    }

    @Override
    public String getHeader(String name) {
        for (Header header : headers) {
            if (header.getName().equalsIgnoreCase(name)) {
                return header.getValue();
            }
        }
        return null;
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        List<String> values = new ArrayList<>();
        for (Header header : headers) {
            if (header.getName().equalsIgnoreCase(name)) {
                values.add(header.getValue());
            }
        }
        return Collections.enumeration(values);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        Set<String> names = new LinkedHashSet<>();
        headers.forEach(header -> names.add(header.getName()));
        return Collections.enumeration(names);
    }

    @Override
    public int getIntHeader(String name) {
        String value = getHeader(name);
        return value == null ? -1 : Integer.parseInt(value.trim());
    }

    @Override
    public long getDateHeader(String name) {
        String value = getHeader(name);
        if (value == null) {
            return -1;
        }
        try {
            return new SimpleDateFormat("EEE, dd MMM yyyy HH:mm:ss zzz", Locale.US).parse(value).getTime();
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException("not a date: " + value);
        }
    }

    @Override
    public String getContentType() {
        return getHeader("Content-Type");
    }

    @Override
    public long getContentLengthLong() {
        String length = getHeader("Content-Length");
        return length == null ? -1 : Long.parseLong(length);
    }

    @Override
    public int getContentLength() {
        return (int) getContentLengthLong();
    }

    @Override
    public ServletInputStream getInputStream() {
        return body;
    }

    @Override
    public boolean isTrailerFieldsReady() {
        return true;
    }

    @Override
    public Map<String, String> getTrailerFields() {
        return Map.of();
    }

    /** The kept body, all of it at hand. */
    private static final class BytesInputStream extends ServletInputStream {
        private final ByteArrayInputStream bytes;

        BytesInputStream(byte[] body) {
            this.bytes = new ByteArrayInputStream(body);
        }

        @Override
        public int read() {
            return bytes.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            return bytes.read(buffer, offset, length);
        }

        @Override
        public boolean isFinished() {
            return bytes.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            try {
                listener.onDataAvailable();
                listener.onAllDataRead();
            } catch (IOException e) {
                listener.onError(e);
            }
        }
    }
}
