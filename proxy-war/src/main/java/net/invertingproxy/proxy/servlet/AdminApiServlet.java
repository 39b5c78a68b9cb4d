package net.invertingproxy.proxy.servlet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.proxy.admin.BackendAdmin;
import net.invertingproxy.proxy.credential.AdminAuthenticator;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * The admin API's HTTP edge: {@code /api/backends} (GET list, POST create),
 * {@code /api/backends/{id}} (GET, PUT, DELETE) and {@code /api/backends/{id}/agent-credentials}
 * (POST issues one) with {@code .../{keyId}} (DELETE withdraws it). Every call needs the admin
 * credential; bodies are JSON of at most {@value #MAX_BODY_BYTES} bytes.
 */
public final class AdminApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final long MAX_DISCARDED_BYTES = 8L << 20;
    private static final String JSON = "application/json;charset=utf-8";
    private static final String CREDENTIALS = "agent-credentials";

    private transient BackendAdmin admin;
    private transient AdminAuthenticator authenticator;

    @Override
    public void init() {
        ProxyComponents components = ProxyComponents.of(getServletContext());
        admin = components.backendAdmin();
        authenticator = components.adminAuthenticator();
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            authenticator.check(request.getHeader("Authorization"));
            route(request, response);
        } catch (FailureException e) {
            Map<String, String> headers = new HashMap<>();
            if (e.failure() == Failure.ADMIN_UNAUTHENTICATED) {
                headers.put("WWW-Authenticate", "Bearer realm=\"inverting-proxy admin\"");
            }
            if (request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null) {
                // A refused call's body is left unread and the container closes the connection after
                // the answer; saying so keeps a client from sending its next call down a closing one.
                headers.put("Connection", "close");
            }
            ErrorResponses.send(response, e.status(), e.getMessage(), headers);
        }
    }

    private void route(HttpServletRequest request, HttpServletResponse response) throws FailureException, IOException {
        List<String> path = segments(request.getPathInfo());
        String method = request.getMethod();
        if (path.isEmpty()) {
            switch (method) {
                case "GET" -> answer(response, 200, admin.list());
                case "POST" -> answer(response, 201, admin.create(body(request)));
                default -> notAllowed(response, "GET, POST");
            }
        } else if (path.size() == 1) {
            String id = path.get(0);
            switch (method) {
                case "GET" -> answer(response, 200, admin.get(id));
                case "PUT" -> answer(response, 200, admin.update(id, body(request)));
                case "DELETE" -> {
                    admin.delete(id);
                    response.setStatus(204);
                }
                default -> notAllowed(response, "GET, PUT, DELETE");
            }
        } else if (path.size() == 2 && path.get(1).equals(CREDENTIALS)) {
            if (method.equals("POST")) {
                answer(response, 201, admin.addAgentCredential(path.get(0)));
            } else {
                notAllowed(response, "POST");
            }
        } else if (path.size() == 3 && path.get(1).equals(CREDENTIALS)) {
            if (method.equals("DELETE")) {
                admin.removeAgentCredential(path.get(0), path.get(2));
                response.setStatus(204);
            } else {
                notAllowed(response, "DELETE");
            }
        } else {
            throw new FailureException(Failure.NO_SUCH_BACKEND, "no such admin resource");
        }
    }

    private static List<String> segments(String pathInfo) {
        if (pathInfo == null || pathInfo.equals("/")) {
            return List.of();
        }
        return List.of(pathInfo.substring(1).split("/", -1));
    }

    private static void notAllowed(HttpServletResponse response, String allowed) {
        ErrorResponses.send(response, Failure.ADMIN_METHOD_NOT_ALLOWED.status(),
                Failure.ADMIN_METHOD_NOT_ALLOWED.reason() + "; use " + allowed, Map.of("Allow", allowed));
    }

    private static void answer(HttpServletResponse response, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType(JSON);
        // Answers carry secrets once: no cache may keep them.
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    // Bounded: an admin body is a few kilobytes; a larger one is refused, never kept whole.
    private static String body(HttpServletRequest request) throws IOException, FailureException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try (InputStream in = request.getInputStream()) {
            int read;
            while ((read = in.read(buffer)) != -1) {
                if (body.size() + read > MAX_BODY_BYTES) {
                    discardRest(in, buffer);
                    throw new FailureException(Failure.ADMIN_BODY_TOO_LARGE, "the body is larger than "
                            + MAX_BODY_BYTES + " bytes");
                }
                body.write(buffer, 0, read);
            }
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    // A client that is still sending when the refusal goes out may see a reset instead of the
    // refusal (RFC 9112 section 9.6): a body a little too large is read to its end first, and
    // only one far beyond the limit has its connection closed on it.
    private static void discardRest(InputStream in, byte[] buffer) throws IOException {
        long left = MAX_DISCARDED_BYTES;
        int read;
        while (left > 0 && (read = in.read(buffer)) != -1) {
            left -= read;
        }
    }
}
