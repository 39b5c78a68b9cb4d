package net.invertingproxy.proxy.credential;

import java.util.Optional;

import net.invertingproxy.proxy.access.AddressRange;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.login.SessionCredentials;
import net.invertingproxy.proxy.registry.AgentKey;
import net.invertingproxy.proxy.registry.AwsIdentity;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.BackendRegistry;
import net.invertingproxy.proxy.registry.LegacyAgents;

/**
 * Decides whether an agent call may act for a backend. The call's {@code Authorization: Bearer}
 * credential is found by its public key ID and checked in constant time; a miss costs the same
 * time as a wrong secret. No credential, an unknown or a wrong one gives 401, whatever the
 * backend (so a caller cannot even learn which backends exist); a valid credential of another
 * backend gives 403. Without a credential a call is let through only for a backend that opted in
 * to legacy agents, from one of its source ranges. A session credential ({@code ips_}) of an
 * AWS-verified agent is checked locally, with no AWS call, and holds while its backend still takes
 * its account; a backend that requires AWS-verified agents refuses its shared credential (403).
 */
public final class AgentAuthenticator {
    private static final String BEARER = "Bearer ";

    private final BackendRegistry registry;
    private final SessionCredentials sessions;

    /** An authenticator of agents against the registry's credentials and the sessions of AWS logins. */
    public AgentAuthenticator(BackendRegistry registry, SessionCredentials sessions) {
        this.registry = registry;
        this.sessions = sessions;
    }

    /** Returns if the call may act for {@code backendId}; else throws the 401 or 403 to answer. */
    public void check(String backendId, String authorization, String sourceAddress) throws FailureException {
        String token = bearerToken(authorization);
        if (token == null) {
            checkLegacy(backendId, sourceAddress);
            return;
        }
        if (token.startsWith(SessionCredentials.PREFIX)) {
            checkSession(backendId, token);
            return;
        }
        Optional<IssuedSecret> presented = IssuedSecret.parse(token, IssuedSecret.AGENT);
        if (presented.isEmpty()) {
            SecretHash.decoyCheck(token);
            throw new FailureException(Failure.AGENT_UNAUTHENTICATED);
        }
        IssuedSecret secret = presented.get();
        Optional<Backend> holder = registry.byAgentKeyId(secret.keyId());
        Optional<AgentKey> key = holder.flatMap(backend -> backend.agentKeys().stream()
                .filter(candidate -> candidate.keyId().equals(secret.keyId())).findFirst());
        boolean valid = key.isPresent() ? key.get().hash().matches(secret.secret()) : SecretHash.decoyCheck(secret.secret());
        if (!valid) {
            throw new FailureException(Failure.AGENT_UNAUTHENTICATED);
        }
        if (!holder.get().id().equals(backendId)) {
            throw new FailureException(Failure.AGENT_FORBIDDEN);
        }
        AwsIdentity aws = holder.get().awsIdentity();
        if (aws != null && aws.required()) {
            throw new FailureException(Failure.AWS_IDENTITY_REQUIRED);
        }
    }

    // A session outlives neither a change of the backend's AWS policy nor the backend itself.
    private void checkSession(String backendId, String token) throws FailureException {
        SessionCredentials.Session session = sessions.check(token).orElseThrow(() ->
                new FailureException(Failure.AGENT_UNAUTHENTICATED, "session credential invalid or expired"));
        if (!session.backendId().equals(backendId)) {
            throw new FailureException(Failure.AGENT_FORBIDDEN);
        }
        AwsIdentity aws = registry.get(backendId).map(Backend::awsIdentity).orElse(null);
        if (aws == null || !aws.allowsAccount(session.account())) {
            throw new FailureException(Failure.AGENT_UNAUTHENTICATED,
                    "session credential no longer valid: the backend no longer takes this AWS identity");
        }
    }

    private void checkLegacy(String backendId, String sourceAddress) throws FailureException {
        Optional<Backend> backend = registry.get(backendId);
        LegacyAgents legacy = backend.map(Backend::legacyAgents).orElse(LegacyAgents.REFUSED);
        if (!legacy.allowed()) {
            throw new FailureException(Failure.AGENT_UNAUTHENTICATED, "agent credential required");
        }
        if (legacy.sourceRanges().isEmpty()) {
            return;
        }
        for (String range : legacy.sourceRanges()) {
            if (AddressRange.parse(range).contains(sourceAddress)) {
                return;
            }
        }
        throw new FailureException(Failure.AGENT_UNAUTHENTICATED,
                "agent credential required (legacy agents are allowed only from the backend's source ranges)");
    }

    private static String bearerToken(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = authorization.substring(BEARER.length()).trim();
        return token.isEmpty() ? null : token;
    }
}
