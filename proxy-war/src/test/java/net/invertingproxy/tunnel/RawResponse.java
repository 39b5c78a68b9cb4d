package net.invertingproxy.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 response read byte by byte off a raw socket, with no library in between: what a
 * test sees is exactly what was on the wire. A response that ends before its framing says it is
 * complete is an {@link EOFException}, never a shorter response.
 */
public record RawResponse(int status, String reason, List<Map.Entry<String, String>> headers, byte[] body,
                   List<Map.Entry<String, String>> trailers) {

    /** All values of a header, in order; names compare case-insensitively. */
    public List<String> headerValues(String name) {
        return valuesOf(headers, name);
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> values = headerValues(name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** The first value of a trailer, or null. */
    public String trailer(String name) {
        List<String> values = valuesOf(trailers, name);
        return values.isEmpty() ? null : values.get(0);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return status + " " + reason + " " + headers + " body=" + bodyText() + " trailers=" + trailers;
    }

    /** Reads one response; {@code bodiless} for the answer to HEAD. */
    public static RawResponse read(InputStream in, boolean bodiless) throws IOException {
        String statusLine = readLine(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not a status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        String reason = parts.length == 3 ? parts[2] : "";
        List<Map.Entry<String, String>> headers = readFields(in);
        if (status < 200 && status != 101) {
            // An interim answer: the test sees the final one.
            return read(in, bodiless);
        }
        List<Map.Entry<String, String>> trailers = List.of();
        byte[] body;
        String transferEncoding = first(headers, "Transfer-Encoding");
        String contentLength = first(headers, "Content-Length");
        if (bodiless || status == 204 || status == 304) {
            body = new byte[0];
        } else if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in);
                int semicolon = sizeLine.indexOf(';');
                int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                if (size == 0) {
                    break;
                }
                out.write(readExactly(in, size));
                if (!readLine(in).isEmpty()) {
                    throw new IOException("chunk not followed by CRLF");
                }
            }
            trailers = readFields(in);
            body = out.toByteArray();
        } else if (contentLength != null) {
            body = readExactly(in, Integer.parseInt(contentLength.trim()));
        } else {
            body = in.readAllBytes();
        }
        return new RawResponse(status, reason, headers, body, trailers);
    }

    /** Reads one CRLF-terminated line (without it); the stream ending first is an {@link EOFException}. */
    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b == -1) {
                throw new EOFException("stream ended inside a line: '" + line.toString(StandardCharsets.ISO_8859_1) + "'");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
    }

    public static byte[] readExactly(InputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) {
            throw new EOFException("stream ended after " + bytes.length + " of " + length + " body bytes");
        }
        return bytes;
    }

    private static List<Map.Entry<String, String>> readFields(InputStream in) throws IOException {
        List<Map.Entry<String, String>> fields = new ArrayList<>();
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("not a header line: " + line);
            }
            fields.add(Map.entry(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
        }
        return fields;
    }

    private static String first(List<Map.Entry<String, String>> fields, String name) {
        List<String> values = valuesOf(fields, name);
        return values.isEmpty() ? null : values.get(0);
    }

    private static List<String> valuesOf(List<Map.Entry<String, String>> fields, String name) {
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> field : fields) {
            if (field.getKey().equalsIgnoreCase(name)) {
                values.add(field.getValue());
            }
        }
        return values;
    }
}
