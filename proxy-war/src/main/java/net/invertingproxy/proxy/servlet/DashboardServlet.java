package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.proxy.dashboard.DashboardOverview;
import net.invertingproxy.proxy.dashboard.ExchangeViews;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.inspect.ExchangeCapture;
import net.invertingproxy.proxy.inspect.InspectedExchange;
import net.invertingproxy.proxy.limits.Admission;
import net.invertingproxy.proxy.limits.RateLimitedException;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.RegistryJson;

/**
 * The dashboard's HTTP edge, under {@code /_dashboard/}: the page and its script and style (from
 * {@code WEB-INF/dashboard}, so no container serves them without this check), {@code api/overview},
 * {@code api/backends/{id}/exchanges[/{n}]} from the inspector, and {@code POST
 * api/backends/{id}/exchanges/{n}/replay}, which sends the request again through the tunnel and
 * streams the new answer back ({@link ReplayAnswer}). The API needs the admin token as a bearer
 * token, which the page asks the operator for; nothing answers while the admin API is off, nor on
 * another host than {@code dashboard-host} where that is set.
 */
public final class DashboardServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    /** The header the page sends with every call that changes something; a cross-site form cannot send it. */
    static final String PAGE_HEADER = "X-Requested-By";
    static final String PAGE_HEADER_VALUE = "inverting-proxy-dashboard";
    private static final String JSON = "application/json;charset=utf-8";
    private static final Map<String, String> FILES = Map.of(
            "", "text/html;charset=utf-8",
            "dashboard.js", "text/javascript;charset=utf-8",
            "dashboard.css", "text/css;charset=utf-8");
    // Only the page's own script and style, no inline code, no framing by another site.
    private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private transient ProxyComponents components;
    private transient DashboardOverview overview;
    private transient ClientParking parking;

    @Override
    public void init() {
        components = ProxyComponents.of(getServletContext());
        overview = new DashboardOverview(components.registry(), components.broker(), components.traffic(),
                Clock.systemUTC());
        parking = new ClientParking(components.broker(), components.exchangeListeners(),
                ConnectionBreaker.forContainerOf(DashboardServlet.class.getClassLoader()));
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (parking.breakIfAborted(request, response)) {
            return;
        }
        try {
            if (!components.adminAuthenticator().isEnabled()) {
                throw new FailureException(Failure.ADMIN_API_OFF);
            }
            String host = components.settings().dashboardHost();
            if (!host.isEmpty() && !host.equalsIgnoreCase(request.getServerName())) {
                throw new FailureException(Failure.NO_ROUTE);
            }
            route(request, response, segments(request.getPathInfo()));
        } catch (FailureException e) {
            ErrorResponses.send(response, e.status(), e.getMessage(), e.failure() == Failure.ADMIN_UNAUTHENTICATED
                    ? Map.of("WWW-Authenticate", "Bearer realm=\"inverting-proxy dashboard\"") : Map.of());
        }
    }

    private void route(HttpServletRequest request, HttpServletResponse response, List<String> path)
            throws IOException, FailureException {
        String method = request.getMethod();
        if (path.isEmpty() && request.getPathInfo() == null) {
            // Relative links of the page resolve against /_dashboard/, not against /.
            response.sendRedirect(request.getContextPath() + request.getServletPath() + "/");
            return;
        }
        if (path.size() <= 1 && !path.contains("api") && method.equals("GET")) {
            // The page, its script and style hold no data: the token is asked for by the page, kept
            // in its memory only and sent as a bearer token, which no other page can make it send.
            file(response, path.isEmpty() ? "" : path.get(0));
            return;
        }
        components.adminAuthenticator().check(request.getHeader("Authorization"));
        if (path.equals(List.of("api", "overview")) && method.equals("GET")) {
            json(response, overview.now());
        } else if (path.size() == 4 && path.get(0).equals("api") && path.get(1).equals("backends")
                && path.get(3).equals("exchanges") && method.equals("GET")) {
            json(response, components.inspector().recent(path.get(2)).stream().map(ExchangeViews::line).toList());
        } else if (path.size() == 5 && path.get(0).equals("api") && path.get(1).equals("backends")
                && path.get(3).equals("exchanges") && method.equals("GET")) {
            json(response, ExchangeViews.detail(inspected(path.get(2), path.get(4))));
        } else if (path.size() == 6 && path.get(0).equals("api") && path.get(1).equals("backends")
                && path.get(3).equals("exchanges") && path.get(5).equals("replay") && method.equals("POST")) {
            replay(request, response, path.get(2), inspected(path.get(2), path.get(4)));
        } else {
            throw new FailureException(Failure.NO_ROUTE, "no such dashboard resource: " + method + " "
                    + request.getRequestURI());
        }
    }

    private InspectedExchange inspected(String backendId, String number) throws FailureException {
        try {
            return components.inspector().find(backendId, Long.parseLong(number))
                    .orElseThrow(() -> new FailureException(Failure.NO_SUCH_EXCHANGE));
        } catch (NumberFormatException e) {
            throw new FailureException(Failure.NO_SUCH_EXCHANGE);
        }
    }

    private void replay(HttpServletRequest request, HttpServletResponse response, String backendId,
                        InspectedExchange original) throws FailureException {
        if (!PAGE_HEADER_VALUE.equals(request.getHeader(PAGE_HEADER))) {
            throw new FailureException(Failure.DASHBOARD_HEADER_MISSING);
        }
        if (!original.replayable()) {
            throw new FailureException(Failure.NOT_REPLAYABLE);
        }
        Optional<Backend> backend = components.registry().get(backendId);
        if (backend.isEmpty()) {
            throw new FailureException(Failure.NO_SUCH_BACKEND);
        }
        Admission admission;
        try {
            admission = components.limiter().admit(backend.get());
        } catch (RateLimitedException e) {
            ErrorResponses.send(response, e.status(), e.getMessage(),
                    Map.of("Retry-After", Long.toString(e.retryAfterSeconds())));
            return;
        }
        // The operator, signed in with the admin token, stands in for the end user: no access check,
        // and no verified user ID goes to the backend.
        ReplayedRequest replayed = new ReplayedRequest(request, original);
        RoutedRequest routed = new RoutedRequest(backendId, original.target(), null, Set.of(), admission);
        components.activity().used(backendId);
        RequestHead head = ClientRequestHead.of(replayed, routed);
        ExchangeCapture capture = components.inspector().captureReplay(backend.get(), head,
                ClientRequestHead.framingOf(replayed).hasBody(), original.sequence());
        parking.park(replayed, new ReplayAnswer(response), routed, head, capture);
    }

    private void file(HttpServletResponse response, String name) throws IOException, FailureException {
        String type = FILES.get(name);
        InputStream content = type == null ? null
                : getServletContext().getResourceAsStream("/WEB-INF/dashboard/" + (name.isEmpty() ? "index.html" : name));
        if (content == null) {
            throw new FailureException(Failure.NO_ROUTE, "no such dashboard file: " + name);
        }
        try (InputStream in = content) {
            response.setStatus(HttpServletResponse.SC_OK);
            response.setContentType(type);
            secure(response);
            in.transferTo(response.getOutputStream());
        }
    }

    private static void json(HttpServletResponse response, Object value) throws IOException {
        byte[] body = RegistryJson.GSON.toJson(value).getBytes(StandardCharsets.UTF_8);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(JSON);
        secure(response);
        response.setContentLength(body.length);
        try (OutputStream out = response.getOutputStream()) {
            out.write(body);
        }
    }

    private static void secure(HttpServletResponse response) {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.setHeader("Referrer-Policy", "no-referrer");
    }

    private static List<String> segments(String pathInfo) {
        if (pathInfo == null || pathInfo.equals("/")) {
            return List.of();
        }
        return List.of(pathInfo.substring(1).split("/", -1));
    }
}
