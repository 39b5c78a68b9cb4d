package net.invertingproxy.proxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How a raw path reads once normalised: the normal form (parameters dropped, {@code //} merged,
 * {@code %2F} kept), a strict RFC 3986 reading (neither dropped nor merged) and a reading that
 * splits at encoded slashes. {@code CLIMBS} means a dot segment climbs above the root.
 */
class PathReadingTest {
    private static final PathReading NORMAL = new PathReading(true, true, false);
    private static final PathReading RFC_STRICT = new PathReading(false, false, false);
    private static final PathReading SPLITTING = new PathReading(true, true, true);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # raw                  | normal               | RFC 3986 strict      | splitting at %2F
            /app/x                 | /app/x               | /app/x               | /app/x
            /                      | /                    | /                    | /
            /app/                  | /app/                | /app/                | /app/
            # Dot segments (§5.2.4), also encoded (%2e is unreserved, §2.3); a final one leaves a slash.
            /app/../admin          | /admin               | /admin               | /admin
            /app/./x               | /app/x               | /app/x               | /app/x
            /app/.                 | /app/                | /app/                | /app/
            /app/..                | /                    | /                    | /
            /app/%2e%2e/admin      | /admin               | /admin               | /admin
            /app/%2E%2E/admin      | /admin               | /admin               | /admin
            /app/.%2e/admin        | /admin               | /admin               | /admin
            /app/%2e/x             | /app/x               | /app/x               | /app/x
            /app/.../x             | /app/.../x           | /app/.../x           | /app/.../x
            /.well-known/x         | /.well-known/x       | /.well-known/x       | /.well-known/x
            # Climbing above the root is no path at all.
            /../admin              | CLIMBS               | CLIMBS               | CLIMBS
            /%2e%2e/admin          | CLIMBS               | CLIMBS               | CLIMBS
            /a/../../admin         | CLIMBS               | CLIMBS               | CLIMBS
            /..                    | CLIMBS               | CLIMBS               | CLIMBS
            # Unreserved escapes are decoded (§6.2.2.2); others stay, upper-cased (§6.2.2.1), never twice decoded.
            /%61dmin               | /admin               | /admin               | /admin
            /app/%7euser           | /app/~user           | /app/~user           | /app/~user
            /app/x%20y             | /app/x%20y           | /app/x%20y           | /app/x%20y
            /caf%c3%a9             | /caf%C3%A9           | /caf%C3%A9           | /caf%C3%A9
            /app/%252e%252e/admin  | /app/%252e%252e/admin | /app/%252e%252e/admin | /app/%252e%252e/admin
            /%3B/admin             | /%3B/admin           | /%3B/admin           | /%3B/admin
            /app/%zz               | /app/%zz             | /app/%zz             | /app/%zz
            /app/%                 | /app/%               | /app/%               | /app/%
            # Encoded slashes and backslashes: data to RFC 3986, separators to some servers.
            /app/x%2fy             | /app/x%2Fy           | /app/x%2Fy           | /app/x/y
            /app%2F..%2Fadmin      | /app%2F..%2Fadmin    | /app%2F..%2Fadmin    | /admin
            /app%5c..%5cadmin      | /app%5C..%5Cadmin    | /app%5C..%5Cadmin    | /admin
            /app\\..\\admin        | /app\\..\\admin      | /app\\..\\admin      | /admin
            /app/x/..%2fadmin      | /app/x/..%2Fadmin    | /app/x/..%2Fadmin    | /app/admin
            /%2e%2e%2fadmin        | /..%2Fadmin          | /..%2Fadmin          | CLIMBS
            # Empty segments: merged like Tomcat, or kept like RFC 3986, where ".." takes the empty one.
            /app//admin            | /app/admin           | /app//admin          | /app/admin
            //admin                | /admin               | //admin              | /admin
            /app//                 | /app/                | /app//               | /app/
            /a//../b               | /b                   | /a/b                 | /b
            # Path parameters: servlet containers drop them, so "..;" is a dot segment to them.
            /app;x=1/y             | /app/y               | /app;x=1/y           | /app/y
            /app/..;/admin         | /admin               | /app/..;/admin       | /admin
            /..;/admin             | CLIMBS               | /..;/admin           | CLIMBS
            /;x/admin              | /admin               | /;x/admin            | /admin
            """)
    void readsThePath(String raw, String normal, String rfcStrict, String splitting) {
        assertEquals(expected(normal), NORMAL.read(raw), "normal");
        assertEquals(expected(rfcStrict), RFC_STRICT.read(raw), "RFC 3986 strict");
        assertEquals(expected(splitting), SPLITTING.read(raw), "splitting at encoded slashes");
    }

    @Test
    void everyCombinationIsReadTheNormalOneFirst() {
        List<PathReading> all = PathReading.ALL;
        assertEquals(8, new HashSet<>(all).size());
        assertEquals(NORMAL, all.get(0));
    }

    private static Optional<String> expected(String cell) {
        return cell.equals("CLIMBS") ? Optional.empty() : Optional.of(cell);
    }
}
