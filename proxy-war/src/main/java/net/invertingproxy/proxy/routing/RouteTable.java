package net.invertingproxy.proxy.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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
     */
    public Optional<RouteMatch> match(String host, String target) {
        String hostName = hostName(host);
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        for (Entry entry : entries) {
            Route route = entry.route();
            if (hostMatches(route, hostName) && prefixMatches(route.pathPrefix(), path)) {
                return Optional.of(new RouteMatch(entry.backend(), route, targetFor(route, target)));
            }
        }
        return Optional.empty();
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
