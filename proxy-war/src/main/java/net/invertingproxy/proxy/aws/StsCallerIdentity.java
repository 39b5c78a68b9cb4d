package net.invertingproxy.proxy.aws;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

import net.invertingproxy.protocol.AgentLogin;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.login.CallerIdentity;

/**
 * Verifies a login with STS. The proxy rebuilds the request itself: its own endpoint, the fixed
 * method, body and content type, and of the agent's headers only the allow-listed ones, unchanged.
 * It first requires the server-ID header to carry this proxy's ID and to be signed, so that a
 * login signed for another server cannot be replayed here (nor one for here elsewhere).
 */
final class StsCallerIdentity {
    private static final String SIGNED_SERVER_ID = AgentLogin.SERVER_ID_HEADER.toLowerCase(Locale.ROOT);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    // STS answers in milliseconds; a login must fail closed (503) well before the agent gives up.
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_ANSWER_BYTES = 64 * 1024;
    private static final System.Logger LOG = System.getLogger(StsCallerIdentity.class.getName());

    private final URI endpoint;
    private final String serverId;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            // Exactly the allow-listed headers: no h2c upgrade headers on a plain-HTTP endpoint either.
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    StsCallerIdentity(URI endpoint, String serverId) {
        this.endpoint = endpoint;
        this.serverId = serverId;
    }

    CallerIdentity verify(AgentLogin.Request login) throws FailureException {
        checkAimedHere(login);
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(ANSWER_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofString(AgentLogin.STS_BODY))
                .header("Content-Type", AgentLogin.STS_CONTENT_TYPE)
                .header("User-Agent", "inverting-proxy");
        try {
            login.stsHeaders().forEach(request::header);
        } catch (IllegalArgumentException e) {
            throw new FailureException(Failure.AGENT_LOGIN_REFUSED, "login headers are malformed");
        }
        HttpResponse<InputStream> answer;
        byte[] body;
        try {
            answer = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = answer.body()) {
                body = in.readNBytes(MAX_ANSWER_BYTES);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "STS at " + endpoint + " could not be asked: " + e);
            throw new FailureException(Failure.AWS_UNAVAILABLE, "STS could not be reached");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FailureException(Failure.AWS_UNAVAILABLE, "STS could not be reached");
        }
        return StsAnswer.read(answer.statusCode(), body);
    }

    private void checkAimedHere(AgentLogin.Request login) throws FailureException {
        String presented = login.header(AgentLogin.SERVER_ID_HEADER);
        if (presented == null || !presented.equals(serverId)) {
            throw new FailureException(Failure.AGENT_LOGIN_REFUSED, "login aimed at another proxy ("
                    + AgentLogin.SERVER_ID_HEADER + " must be this proxy's server ID)");
        }
        String authorization = login.header("Authorization");
        if (authorization == null || login.header("X-Amz-Date") == null) {
            throw new FailureException(Failure.AGENT_LOGIN_REFUSED, "login lacks the signed request's Authorization"
                    + " or X-Amz-Date");
        }
        if (!signedHeaders(authorization).contains(SIGNED_SERVER_ID)) {
            throw new FailureException(Failure.AGENT_LOGIN_REFUSED, "login aimed at another proxy ("
                    + AgentLogin.SERVER_ID_HEADER + " is not signed)");
        }
    }

    // "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=a;b;c, Signature=..."
    private static java.util.List<String> signedHeaders(String authorization) {
        for (String part : authorization.split(",")) {
            String field = part.trim();
            int space = field.lastIndexOf(' ');
            if (space >= 0 && !field.startsWith("SignedHeaders=")) {
                field = field.substring(space + 1);
            }
            if (field.startsWith("SignedHeaders=")) {
                return Arrays.asList(field.substring("SignedHeaders=".length()).toLowerCase(Locale.ROOT).split(";"));
            }
        }
        return java.util.List.of();
    }
}
