package net.invertingproxy.proxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.Route;

/**
 * Routing on the raw path holds only if every normalised reading of it goes to the same route:
 * else the path is refused as ambiguous, so no server behind the proxy can be led past a route.
 */
class RouteTableTest {
    private static final RouteTable WITH_CATCH_ALL = RouteTable.of(List.of(
            backend("app", new Route(null, "/app", false)),
            backend("admin", new Route(null, "/admin", false)),
            backend("billing", new Route(null, "/billing", true)),
            backend("tenant", new Route("tenant.test", null, false)),
            backend("site", new Route(null, "/", false))));
    private static final RouteTable WITHOUT_CATCH_ALL = RouteTable.of(List.of(
            backend("app", new Route(null, "/app", false)),
            backend("admin", new Route(null, "/admin", false))));

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # host       | target                      | backend | what it sees
            a.test       | /app/x                      | app     | /app/x
            a.test       | /app/x%20y?q=%2F&r=/../x    | app     | /app/x%20y?q=%2F&r=/../x
            a.test       | /app/%7Euser/%C3%A9         | app     | /app/%7Euser/%C3%A9
            # Readings that stay on the same route are forwarded untouched.
            a.test       | /app/%61dmin                | app     | /app/%61dmin
            a.test       | /app//admin                 | app     | /app//admin
            a.test       | /app/x/../y                 | app     | /app/x/../y
            a.test       | /app/x;jsessionid=1         | app     | /app/x;jsessionid=1
            a.test       | /projects/group%2Fname/f    | site    | /projects/group%2Fname/f
            a.test       | /a/%2e%2e/b                 | site    | /a/%2e%2e/b
            a.test       | /.well-known/x              | site    | /.well-known/x
            a.test       | /billing/x/./y?q=1          | billing | /x/./y?q=1
            # A host route takes every path of its host, so only climbing above the root matters there.
            tenant.test  | /admin/../x%2F..%2Fapp      | tenant  | /admin/../x%2F..%2Fapp
            """)
    void aPathEveryReadingRoutesAlikeIsForwardedUntouched(String host, String target, String backend, String seen)
            throws FailureException {
        RouteMatch match = WITH_CATCH_ALL.match(host, target).orElseThrow();
        assertEquals(backend, match.backend().id());
        assertEquals(seen, match.target());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # target                  | why
            /app/../admin             | it goes to another route once normalised
            /app/%2e%2e/admin         | it goes to another route once normalised
            /app/.%2E/admin           | it goes to another route once normalised
            /%61dmin                  | it goes to another route once normalised
            /ap%70/x                  | it goes to another route once normalised
            //admin                   | it goes to another route once normalised
            /./admin                  | it goes to another route once normalised
            /app;x=1/y                | it goes to another route once normalised
            /app/..;/admin            | it goes to another route once normalised
            /app%2F..%2Fadmin         | it goes to another route once normalised
            /app%5c..%5cadmin         | it goes to another route once normalised
            /x/..%2Fadmin             | it goes to another route once normalised
            /admin/../app/x           | it goes to another route once normalised
            /admin/..                 | it goes to another route once normalised
            /app/x/../../admin?q=1    | it goes to another route once normalised
            /../admin                 | a dot segment climbs above the root
            /x/../../app              | a dot segment climbs above the root
            /..;/app                  | a dot segment climbs above the root
            /billing/../billing/x     | a dot segment climbs above the root
            """)
    void aPathThatReadsAsAnotherRouteIsRefused(String target, String why) {
        FailureException refused = assertThrows(FailureException.class, () -> WITH_CATCH_ALL.match("a.test", target));
        assertEquals(Failure.AMBIGUOUS_PATH, refused.failure());
        assertEquals(400, refused.status());
        assertEquals("ambiguous request path: " + why, refused.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # target             | routed to, or - for none
            /nowhere/../app/x    | AMBIGUOUS
            /app/../nowhere      | AMBIGUOUS
            /nowhere/%2e%2e/else | -
            /nowhere//x          | -
            /app/./x             | app
            """)
    void withoutACatchAllRouteAPathMayAlsoReadAsNoRouteOrAsOne(String target, String expected) throws FailureException {
        if (expected.equals("AMBIGUOUS")) {
            assertThrows(FailureException.class, () -> WITHOUT_CATCH_ALL.match(null, target));
            return;
        }
        Optional<RouteMatch> match = WITHOUT_CATCH_ALL.match(null, target);
        if (expected.equals("-")) {
            assertTrue(match.isEmpty(), () -> "routed to " + match);
        } else {
            assertEquals(expected, match.orElseThrow().backend().id());
        }
    }

    private static Backend backend(String id, Route route) {
        return new Backend(id, List.of(route), null, null, null, null, Instant.EPOCH, null);
    }
}
