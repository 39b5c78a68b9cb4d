package net.invertingproxy.agent.login;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Logger;

import net.invertingproxy.agent.proxy.ProxyAuthorization;
import net.invertingproxy.protocol.AgentLogin;

/**
 * The {@code Authorization} of an AWS-verified agent: the session credential of its last login. It
 * logs in again once two thirds of the session have passed, so a slow or failing login still
 * leaves the rest of the session to retry in, and at once when the proxy refuses the session (401).
 */
public final class SessionAuthorization implements ProxyAuthorization {
    private static final Logger LOG = Logger.getLogger(SessionAuthorization.class.getName());

    private final LoginSigner signer;
    private final ProxyLogin proxy;
    private final Clock clock;
    private volatile String header;
    private Instant renewAt = Instant.MIN;
    private Instant expires = Instant.MIN;

    /** A session that logs in with logins from {@code signer}, presented to {@code proxy}. */
    public SessionAuthorization(LoginSigner signer, ProxyLogin proxy, Clock clock) {
        this.signer = signer;
        this.proxy = proxy;
        this.clock = clock;
    }

    @Override
    public String header() {
        return header;
    }

    @Override
    public synchronized void refresh() throws IOException {
        Instant now = clock.instant();
        if (header != null && now.isBefore(renewAt)) {
            return;
        }
        try {
            AgentLogin.Answer answer = proxy.login(signer.sign());
            Duration lifetime = Duration.ofSeconds(answer.expiresInSeconds());
            boolean first = header == null;
            header = "Bearer " + answer.credential();
            expires = now.plus(lifetime);
            renewAt = now.plus(lifetime.multipliedBy(2).dividedBy(3));
            if (first) {
                LOG.info(() -> "logged in to the proxy with the agent's AWS identity; session valid for "
                        + lifetime.toSeconds() + "s");
            }
        } catch (IOException | RuntimeException e) {
            // A session that still holds keeps the agent serving while AWS or the proxy's login is down.
            if (header != null && now.isBefore(expires)) {
                LOG.warning(() -> "renewing the AWS login failed (" + e.getMessage() + "); the session holds until "
                        + expires);
                return;
            }
            header = null;
            throw e instanceof IOException io ? io : new IOException("AWS login failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void refused(String sent) {
        if (sent != null && sent.equals(header)) {
            header = null;
            renewAt = Instant.MIN;
            expires = Instant.MIN;
        }
    }
}
