package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.proxy.broker.Broker;

/**
 * Health for load balancers and orchestrators, cheap and never logged. {@code /healthz} is
 * liveness: 200 while the application runs, also while it drains (restarting it would only cut
 * the streams it is finishing). {@code /readyz} is readiness: 200 while it takes new work, 503
 * while it drains, so a load balancer pointed at it stops sending requests.
 */
public final class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final String READINESS_PATH = "/readyz";

    private transient Broker<ParkedClient> broker;

    @Override
    public void init() {
        broker = ProxyComponents.of(getServletContext()).broker();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        boolean accepting = broker.isAccepting();
        boolean readiness = READINESS_PATH.equals(request.getServletPath());
        int status = accepting || !readiness ? HttpServletResponse.SC_OK : HttpServletResponse.SC_SERVICE_UNAVAILABLE;
        byte[] body = (accepting ? "ok\n" : "draining\n").getBytes(StandardCharsets.US_ASCII);
        response.setStatus(status);
        response.setContentType("text/plain");
        response.setHeader("Cache-Control", "no-store");
        if (status == HttpServletResponse.SC_SERVICE_UNAVAILABLE) {
            response.setHeader("Retry-After", "5");
        }
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    @Override
    protected void doHead(HttpServletRequest request, HttpServletResponse response) throws IOException {
        doGet(request, response);
    }
}
