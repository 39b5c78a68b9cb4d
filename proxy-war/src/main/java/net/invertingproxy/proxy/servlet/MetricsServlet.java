package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.security.MessageDigest;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.proxy.config.ProxySettings;
import net.invertingproxy.proxy.config.ProxySettings.MetricsAccess;
import net.invertingproxy.proxy.metrics.ProxyMeters;

/**
 * {@code /metrics}: every meter in Prometheus text format, for the callers the
 * {@code metrics-access} and {@code metrics-token} settings allow.
 */
public final class MetricsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private transient ProxyMeters meters;
    private transient ProxySettings settings;

    @Override
    public void init() {
        ProxyComponents components = ProxyComponents.of(getServletContext());
        meters = components.meters();
        settings = components.settings();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (settings.metricsAccess() == MetricsAccess.OFF) {
            ErrorResponses.send(response, HttpServletResponse.SC_NOT_FOUND, "metrics are turned off");
            return;
        }
        if (settings.metricsAccess() == MetricsAccess.LOOPBACK && !isLocalCaller(request)) {
            ErrorResponses.send(response, HttpServletResponse.SC_FORBIDDEN, "metrics are readable from loopback only");
            return;
        }
        if (!settings.metricsToken().isEmpty() && !hasToken(request)) {
            response.setHeader("WWW-Authenticate", "Bearer");
            ErrorResponses.send(response, HttpServletResponse.SC_UNAUTHORIZED, "metrics need a bearer token");
            return;
        }
        byte[] body = meters.scrape().getBytes(StandardCharsets.UTF_8);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(PROMETHEUS_TEXT);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    // A reverse proxy on this machine (nginx, httpd) connects from loopback on behalf of anyone: a
    // request carrying any header such a proxy adds is not taken for a local one. One configured to
    // add none (nginx's bare proxy_pass) cannot be told apart: the README says to set metrics-token.
    private static final List<String> RELAY_HEADERS = List.of("Forwarded", "X-Forwarded-For", "X-Real-IP", "Via",
            "X-Forwarded-Host", "X-Forwarded-Proto");

    private static boolean isLocalCaller(HttpServletRequest request) {
        return isLoopback(request.getRemoteAddr()) && RELAY_HEADERS.stream().allMatch(name -> request.getHeader(name) == null);
    }

    // The remote address is numeric, so this never looks anything up in DNS.
    private static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    // Constant time, so the comparison does not tell how much of a guess was right.
    private boolean hasToken(HttpServletRequest request) {
        String authorization = request.getHeader("Authorization");
        byte[] expected = ("Bearer " + settings.metricsToken()).getBytes(StandardCharsets.UTF_8);
        byte[] given = authorization == null ? new byte[0] : authorization.getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, given);
    }
}
