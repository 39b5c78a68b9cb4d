package net.invertingproxy.proxy.servlet;

import java.util.Set;

import net.invertingproxy.proxy.limits.Admission;

/**
 * A client request the proxy has let in: the backend it goes to, the target that backend sees
 * (after any prefix stripping), the verified user (null if none), the headers that carried the
 * user's proxy credential and so are not forwarded (lower case), and its place under the limits.
 */
record RoutedRequest(String backendId, String target, String userId, Set<String> withheldHeaders,
                     Admission admission) {
}
