package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.proxy.broker.Broker;

/** {@code /healthz} for the load balancer: 200 while the proxy takes work, 503 once it shuts down. Cheap and never logged. */
public final class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final byte[] OK = "ok\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLOSING = "shutting down\n".getBytes(StandardCharsets.US_ASCII);

    private transient Broker<ParkedClient> broker;

    @Override
    public void init() {
        broker = ProxyComponents.of(getServletContext()).broker();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        boolean accepting = broker.isAccepting();
        byte[] body = accepting ? OK : CLOSING;
        response.setStatus(accepting ? HttpServletResponse.SC_OK : HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setContentType("text/plain");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    @Override
    protected void doHead(HttpServletRequest request, HttpServletResponse response) throws IOException {
        doGet(request, response);
    }
}
