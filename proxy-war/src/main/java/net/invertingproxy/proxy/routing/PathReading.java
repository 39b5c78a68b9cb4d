package net.invertingproxy.proxy.routing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One way a server behind the proxy may read a raw request path after normalising it (RFC 3986
 * §6.2.2): whether it drops {@code ;parameters}, merges empty segments and splits at encoded slashes.
 *
 * <p>Every reading decodes percent-encoded unreserved characters (§2.3, §6.2.2.2), so {@code %2e}
 * is a dot and {@code %61} an {@code a}, upper-cases the hex of the escapes it keeps (§6.2.2.1) and
 * removes dot segments (§5.2.4). Servers differ in the rest, and the proxy cannot know which one a
 * backend runs, so routing has to come out the same in all of them ({@link #ALL}).
 */
record PathReading(boolean dropsParameters, boolean mergesEmptySegments, boolean splitsAtEncodedSlashes) {
    /**
     * Every combination, since each is some server's: servlet containers drop parameters, RFC 3986
     * does not; Tomcat merges {@code //}, Jetty does not; some servers decode {@code %2F} before
     * splitting. The first, parameters dropped, {@code //} merged and {@code %2F} kept as data, is
     * the normal form Tomcat maps a path by.
     */
    static final List<PathReading> ALL = every();

    // %2F and %5C are an encoded slash and backslash; a raw backslash is a separator on Windows
    // servers and to Tomcat with allowBackslash. None is a separator to RFC 3986 (§3.3, §2.2).
    private static final Pattern ENCODED_SEPARATOR = Pattern.compile("%2[Ff]|%5[Cc]|\\\\");

    /** The path as this reading sees it; empty if a dot segment climbs above the root, which no reading can place. */
    Optional<String> read(String rawPath) {
        String path = splitsAtEncodedSlashes ? ENCODED_SEPARATOR.matcher(rawPath).replaceAll("/") : rawPath;
        String[] segments = path.split("/", -1);
        Deque<String> kept = new ArrayDeque<>();
        boolean endsWithSlash = false;
        // segments[0] is what precedes the first slash: empty for every origin-form path (RFC 9112 §3.2.1).
        for (int i = segments[0].isEmpty() ? 1 : 0; i < segments.length; i++) {
            String segment = decodeUnreserved(dropsParameters ? withoutParameters(segments[i]) : segments[i]);
            boolean last = i == segments.length - 1;
            if (segment.equals(".") || segment.isEmpty() && mergesEmptySegments) {
                endsWithSlash = last;
            } else if (segment.equals("..")) {
                if (kept.isEmpty()) {
                    // RFC 3986 §5.2.4 would stay at the root; servers refuse instead, or resolve it differently.
                    return Optional.empty();
                }
                kept.removeLast();
                // "/a/b/.." is "/a/": the segment it names is a directory (§5.2.4, step 2C).
                endsWithSlash = last;
            } else {
                kept.addLast(segment);
                endsWithSlash = false;
            }
        }
        String joined = "/" + String.join("/", kept);
        return Optional.of(endsWithSlash && !kept.isEmpty() ? joined + "/" : joined);
    }

    private static List<PathReading> every() {
        List<PathReading> readings = new ArrayList<>();
        for (boolean drops : new boolean[] {true, false}) {
            for (boolean merges : new boolean[] {true, false}) {
                for (boolean splits : new boolean[] {false, true}) {
                    readings.add(new PathReading(drops, merges, splits));
                }
            }
        }
        return List.copyOf(readings);
    }

    // A raw ';' starts a segment's parameters (RFC 3986 §3.3); servlet containers drop them before
    // mapping, which is how "/..;/admin" turns into "/../admin". An encoded %3B is data.
    private static String withoutParameters(String segment) {
        int semicolon = segment.indexOf(';');
        return semicolon < 0 ? segment : segment.substring(0, semicolon);
    }

    // Only unreserved characters are decoded (§6.2.2.2): any other escape may mean something other
    // than its character, so it stays, upper-cased (§6.2.2.1). A broken escape stays as it is.
    private static String decodeUnreserved(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        StringBuilder decoded = new StringBuilder(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            int high = c == '%' && i + 2 < segment.length() ? hexValue(segment.charAt(i + 1)) : -1;
            int low = high >= 0 ? hexValue(segment.charAt(i + 2)) : -1;
            if (low < 0) {
                decoded.append(c);
                continue;
            }
            char escaped = (char) (high * 16 + low);
            if (isUnreserved(escaped)) {
                decoded.append(escaped);
            } else {
                decoded.append('%').append(Character.toUpperCase(segment.charAt(i + 1)))
                        .append(Character.toUpperCase(segment.charAt(i + 2)));
            }
            i += 2;
        }
        return decoded.toString();
    }

    // HEXDIG is ASCII only (RFC 3986 §2.1); Character.digit would also take other scripts' digits.
    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f') {
            return (c | 0x20) - 'a' + 10;
        }
        return -1;
    }

    // unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3).
    private static boolean isUnreserved(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
