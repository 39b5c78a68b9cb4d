package net.invertingproxy.proxy.servlet;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.proxy.access.AccessDecision;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.limits.Admission;
import net.invertingproxy.proxy.limits.RateLimitedException;
import net.invertingproxy.proxy.observe.ExchangeListener;
import net.invertingproxy.proxy.observe.ExchangeOutcome;
import net.invertingproxy.proxy.observe.ExchangeSummary;
import net.invertingproxy.proxy.registry.AccessMode;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.routing.RouteMatch;

/**
 * The door every client request passes before it is parked: a route to a backend (else 404, or 400
 * for an ambiguous path), the backend's end-user access policy (else 401 or 403) and its limits
 * (else 429 with {@code Retry-After}), after a check that its body framing is unambiguous (else
 * 400, 431 or 501, and the connection closed: {@link RequestFramingCheck}). A refusal is answered
 * here at once and logged like any exchange.
 */
final class ClientAdmission {
    private static final String NO_BACKEND = "-";
    private static final Pattern PRINTABLE_USER_ID = Pattern.compile("[\\x21-\\x7E]{1,256}");

    private final ProxyComponents components;
    private final List<ExchangeListener> listeners;

    ClientAdmission(ProxyComponents components, List<ExchangeListener> listeners) {
        this.components = components;
        this.listeners = listeners;
    }

    /** The routed request, or null once a refusal has been sent. */
    RoutedRequest admit(HttpServletRequest request, HttpServletResponse response) {
        try {
            RequestFramingCheck.check(request.getProtocol(), name -> Collections.list(request.getHeaders(name)),
                    headerCount(request));
        } catch (FailureException e) {
            // Where the body ends is in doubt, so the connection cannot carry another request.
            refuse(request, response, NO_BACKEND, e.status(), e.getMessage(), Map.of("Connection", "close"));
            return null;
        }
        String target = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
        Optional<RouteMatch> match;
        try {
            match = components.registry().routes().match(request.getHeader("Host"), target);
        } catch (FailureException e) {
            refuse(request, response, NO_BACKEND, e.status(), e.getMessage(), Map.of());
            return null;
        }
        if (match.isEmpty()) {
            refuse(request, response, NO_BACKEND, Failure.NO_ROUTE.status(), Failure.NO_ROUTE.reason(), Map.of());
            return null;
        }
        Backend backend = match.get().backend();
        AccessDecision decision = components.endUserGate().check(backend.id(), backend.access(),
                ClientRequests.view(request));
        if (decision instanceof AccessDecision.Refused refused) {
            refuse(request, response, backend.id(), refused.status(), refused.reason(), refused.wwwAuthenticate() == null
                    ? Map.of() : Map.of("WWW-Authenticate", refused.wwwAuthenticate()));
            return null;
        }
        Admission admission;
        try {
            admission = components.limiter().admit(backend);
        } catch (RateLimitedException e) {
            refuse(request, response, backend.id(), e.status(), e.getMessage(),
                    Map.of("Retry-After", Long.toString(e.retryAfterSeconds())));
            return null;
        }
        String userId = ((AccessDecision.Allowed) decision).userId();
        if (userId != null && !PRINTABLE_USER_ID.matcher(userId).matches()) {
            // It travels in a header to the agent: control characters or spaces could forge others.
            admission.release();
            refuse(request, response, backend.id(), Failure.USER_UNAUTHENTICATED.status(),
                    "the verified user id cannot be passed on (unprintable or too long)", Map.of());
            return null;
        }
        components.activity().used(backend.id());
        return new RoutedRequest(backend.id(), match.get().target(), userId, withheld(backend), admission);
    }

    private static int headerCount(HttpServletRequest request) {
        int count = 0;
        for (String name : Collections.list(request.getHeaderNames())) {
            count += Collections.list(request.getHeaders(name)).size();
        }
        return count;
    }

    // The user's proxy credential proves who they are to the proxy; the backend gets the verified user instead.
    private static Set<String> withheld(Backend backend) {
        AccessMode mode = backend.access().mode();
        if (mode == AccessMode.API_KEY) {
            return Set.of(backend.access().apiKeyHeader().toLowerCase(Locale.ROOT));
        }
        if (mode == AccessMode.BASIC) {
            return Set.of("authorization");
        }
        return Set.of();
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, String backendId, int status,
                        String reason, Map<String, String> headers) {
        // A refused request's body is not read; closing stops a client that is still sending it.
        ErrorResponses.send(response, status, reason, headers);
        ExchangeSummary summary = new ExchangeSummary(backendId, request.getMethod(), request.getRequestURI(), status,
                ExchangeOutcome.REFUSED, reason, 0, 0, Duration.ZERO, Duration.ZERO, null, "-");
        for (ExchangeListener listener : listeners) {
            try {
                listener.exchangeEnded(summary);
            } catch (RuntimeException e) {
                System.getLogger(ClientAdmission.class.getName()).log(System.Logger.Level.WARNING,
                        "exchange listener failed: " + e);
            }
        }
    }
}
