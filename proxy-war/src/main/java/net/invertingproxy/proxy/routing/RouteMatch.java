package net.invertingproxy.proxy.routing;

import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.Route;

/** The backend a client request goes to, by which route, and the target the backend is to see. */
public record RouteMatch(Backend backend, Route route, String target) {
}
