package net.invertingproxy.proxy.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.Route;

/**
 * Every route of every backend, ordered so the first that matches wins: routes naming the
 * request's exact host, then those naming it by wildcard ({@code *.example.com}), then those for
 * any host; among equals the longest path prefix. Immutable: a registry change builds a new table.
 */
public final class RouteTable {
    private final List<Entry> entries;

    private record Entry(Backend backend, Route route) {
        int hostRank() {
            if (!route.hasHost()) {
                return 0;
            }
            return route.host().startsWith("*.") ? 1 : 2;
        }
    }

    private RouteTable(List<Entry> entries) {
        this.entries = entries;
    }

    /** The table of the given backends' routes. */
    public static RouteTable of(Collection<Backend> backends) {
        List<Entry> entries = new ArrayList<>();
        for (Backend backend : backends) {
            for (Route route : backend.routes()) {
                entries.add(new Entry(backend, route));
            }
        }
        entries.sort(Comparator.comparingInt(Entry::hostRank).reversed()
                .thenComparing(Comparator.comparingInt((Entry e) -> e.route().pathPrefix().length()).reversed())
                .thenComparing(e -> e.backend().id()));
        return new RouteTable(List.copyOf(entries));
    }

    /**
     * The route for a request to {@code host} (the Host header, port allowed) and {@code target}
     * (origin form: raw path and query, as received); empty if no route matches.
     *
     * @throws FailureException {@link Failure#AMBIGUOUS_PATH} if the path is routed elsewhere once
     *                          normalised, or a dot segment in it climbs above the root
     */
    public Optional<RouteMatch> match(String host, String target) throws FailureException {
        String hostName = hostName(host);
        String path = pathOf(target);
        Optional<Entry> chosen = find(hostName, path);
        refuseAmbiguous(hostName, path, chosen);
        Optional<RouteMatch> match = chosen.map(entry -> new RouteMatch(entry.backend(), entry.route(),
                targetFor(entry.route(), target)));
        if (match.isPresent() && match.get().route().stripPrefix()) {
            // The backend sees the path without the prefix: "/billing/x/../../y" climbs above its root.
            refuseClimbing(pathOf(match.get().target()));
        }
        return match;
    }

    // The raw bytes are forwarded, but the backend's server acts on its own reading of them: a
    // reading that routes elsewhere would let "/app/../admin" past the route that guards /admin,
    // or take "/admin/../app" to the /admin backend, whose server then serves its /app.
    private void refuseAmbiguous(String hostName, String path, Optional<Entry> chosen) throws FailureException {
        if (isPlain(path)) {
            return;
        }
        for (PathReading reading : PathReading.ALL) {
            Optional<String> read = reading.read(path);
            if (read.isEmpty()) {
                throw ambiguous("a dot segment climbs above the root");
            }
            if (!find(hostName, read.get()).equals(chosen)) {
                throw ambiguous("it goes to another route once normalised");
            }
        }
    }

    private static void refuseClimbing(String path) throws FailureException {
        if (isPlain(path)) {
            return;
        }
        for (PathReading reading : PathReading.ALL) {
            if (reading.read(path).isEmpty()) {
                throw ambiguous("a dot segment climbs above the root");
            }
        }
    }

    private Optional<Entry> find(String hostName, String path) {
        for (Entry entry : entries) {
            Route route = entry.route();
            if (hostMatches(route, hostName) && prefixMatches(route.pathPrefix(), path)) {
                return Optional.of(entry);
            }
        }
        return Optional.empty();
    }

    private static String pathOf(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    // Without escapes, parameters, backslashes, empty or dot segments every reading is the path itself.
    private static boolean isPlain(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' || c == ';' || c == '\\' || c == '/' && i + 1 < path.length()
                    && (path.charAt(i + 1) == '/' || path.charAt(i + 1) == '.')) {
                return false;
            }
        }
        return path.startsWith("/");
    }

    private static FailureException ambiguous(String why) {
        return new FailureException(Failure.AMBIGUOUS_PATH, Failure.AMBIGUOUS_PATH.reason() + ": " + why);
    }

    private static boolean hostMatches(Route route, String hostName) {
        if (!route.hasHost()) {
            return true;
        }
        if (hostName == null) {
            return false;
        }
        String routeHost = route.host();
        if (routeHost.startsWith("*.")) {
            return hostName.endsWith(routeHost.substring(1)) && hostName.length() > routeHost.length() - 1;
        }
        return hostName.equals(routeHost);
    }

    // A prefix matches at a segment boundary only: /api matches /api and /api/x, never /apix.
    static boolean prefixMatches(String prefix, String path) {
        if (!path.startsWith(prefix)) {
            return false;
        }
        return prefix.endsWith("/") || path.length() == prefix.length() || path.charAt(prefix.length()) == '/';
    }

    private static String targetFor(Route route, String target) {
        if (!route.stripPrefix()) {
            return target;
        }
        String prefix = route.pathPrefix().endsWith("/")
                ? route.pathPrefix().substring(0, route.pathPrefix().length() - 1) : route.pathPrefix();
        String rest = target.substring(prefix.length());
        // What is left is still an origin-form target: it must begin with a slash.
        return rest.isEmpty() || rest.startsWith("?") ? "/" + rest : rest;
    }

    // Host header without port, lower case; an IPv6 literal keeps its brackets.
    private static String hostName(String host) {
        if (host == null || host.isBlank()) {
            return null;
        }
        String name = host.trim().toLowerCase(Locale.ROOT);
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            return end < 0 ? name : name.substring(0, end + 1);
        }
        int colon = name.indexOf(':');
        name = colon < 0 ? name : name.substring(0, colon);
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
