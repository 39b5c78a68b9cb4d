package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.protocol.AgentLogin;
import net.invertingproxy.protocol.MalformedMessageException;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.login.AgentLogins;

/**
 * {@code POST agent/login}: an agent proves its AWS identity and gets a session credential for its
 * later calls. It waits for STS (and IAM) on the container's thread, a few seconds at most; logins
 * are rare, one per agent per session, and at most {@code aws-max-concurrent-logins} wait at once.
 */
public final class LoginServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient AgentLogins logins;

    @Override
    public void init() {
        logins = ProxyComponents.of(getServletContext()).agentLogins();
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            String backendId = AgentCallHeaders.backendId(request);
            AgentLogin.Answer answer = logins.login(backendId, AgentLogin.Request.parse(body(request)));
            byte[] json = answer.toJson().getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentType("application/json");
            // The answer is a credential: no cache may keep it.
            response.setHeader("Cache-Control", "no-store");
            response.setContentLength(json.length);
            response.getOutputStream().write(json);
        } catch (MalformedMessageException e) {
            ErrorResponses.send(response, Failure.BAD_AGENT_CALL.status(), e.getMessage());
        } catch (FailureException e) {
            ErrorResponses.send(response, e.status(), e.getMessage());
        }
    }

    private static String body(HttpServletRequest request) throws IOException, FailureException {
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes(AgentLogin.MAX_BODY_BYTES + 1);
            if (body.length > AgentLogin.MAX_BODY_BYTES) {
                throw new FailureException(Failure.BAD_AGENT_CALL, "login body larger than "
                        + AgentLogin.MAX_BODY_BYTES + " bytes");
            }
            return new String(body, StandardCharsets.UTF_8);
        }
    }
}
