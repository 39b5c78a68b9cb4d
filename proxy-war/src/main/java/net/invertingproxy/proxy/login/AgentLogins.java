package net.invertingproxy.proxy.login;

import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import net.invertingproxy.protocol.AgentLogin;
import net.invertingproxy.proxy.config.AwsLoginSettings;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.registry.AwsIdentity;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.BackendRegistry;

/**
 * Decides an AWS login ({@code POST agent/login}): the backend must take AWS-verified agents, STS
 * must name the signer, its account must be on the backend's list and, where the backend asks for
 * it, its role's {@code AllowedBackends} tag must name the backend. Then it issues a session.
 */
public final class AgentLogins {
    private static final System.Logger LOG = System.getLogger(AgentLogins.class.getName());

    private final BackendRegistry registry;
    private final AwsLoginSettings settings;
    private final SessionCredentials sessions;
    private final Supplier<IdentityVerifier> newVerifier;
    private final LoginSlots slots;
    private IdentityVerifier verifier;

    /**
     * Logins against {@code registry}; {@code newVerifier} is called at the first login that gets
     * as far as asking AWS, so that no AWS class is loaded before.
     */
    public AgentLogins(BackendRegistry registry, AwsLoginSettings settings, SessionCredentials sessions,
                       Supplier<IdentityVerifier> newVerifier) {
        this.registry = registry;
        this.settings = settings;
        this.sessions = sessions;
        this.newVerifier = newVerifier;
        this.slots = new LoginSlots(settings.maxConcurrentLogins());
    }

    /** The session credential for an agent of {@code backendId} whose login proves an allowed identity. */
    public AgentLogin.Answer login(String backendId, AgentLogin.Request login) throws FailureException {
        // Unknown backends and backends without AWS logins answer alike: nothing reveals which exist.
        AwsIdentity policy = registry.get(backendId).map(Backend::awsIdentity).orElseThrow(() ->
                new FailureException(Failure.AGENT_LOGIN_REFUSED, "this backend takes no AWS logins"));
        if (!settings.configured()) {
            throw new FailureException(Failure.AWS_LOGIN_NOT_CONFIGURED,
                    "AWS logins are not configured on this proxy (aws-server-id is not set)");
        }
        CallerIdentity identity;
        // Only the part that waits for AWS takes a slot: the refusals above cost no wait.
        slots.take();
        try {
            identity = allowedIdentity(backendId, policy, login);
        } finally {
            slots.giveBack();
        }
        String credential = sessions.issue(backendId, identity);
        LOG.log(Level.INFO, "AWS login: {0} serves backend ''{1}'' for {2} s", identity.arn(), backendId,
                sessions.lifetime().toSeconds());
        return new AgentLogin.Answer(credential, sessions.lifetime().toSeconds());
    }

    private CallerIdentity allowedIdentity(String backendId, AwsIdentity policy, AgentLogin.Request login)
            throws FailureException {
        CallerIdentity identity = verifier().callerIdentity(login);
        if (!policy.allowsAccount(identity.account())) {
            throw refused(backendId, identity, "AWS account " + identity.account() + " may not serve this backend");
        }
        if (policy.requireAllowedBackendsTag()) {
            checkTag(backendId, identity);
        }
        return identity;
    }

    private void checkTag(String backendId, CallerIdentity identity) throws FailureException {
        Optional<String> role = identity.assumedRoleName();
        if (role.isEmpty()) {
            throw refused(backendId, identity, "only an assumed role can carry the AllowedBackends tag, not "
                    + identity.arn());
        }
        if (settings.iamAccount().isEmpty()) {
            throw new FailureException(Failure.AWS_LOGIN_NOT_CONFIGURED,
                    "AWS logins are not configured on this proxy (aws-iam-account is not set)");
        }
        // The proxy's credentials read roles of their own account only: asking for another account's
        // role name would read a namesake of the proxy's account.
        if (!settings.iamAccount().equals(identity.account())) {
            throw refused(backendId, identity, "the AllowedBackends tag can only be read for roles of account "
                    + settings.iamAccount());
        }
        Set<String> allowed = verifier().allowedBackends(identity.account(), role.get());
        if (!allowed.contains(backendId)) {
            throw refused(backendId, identity, "the AllowedBackends tag of role " + role.get()
                    + " does not name this backend");
        }
    }

    private static FailureException refused(String backendId, CallerIdentity identity, String reason) {
        LOG.log(Level.WARNING, "AWS login of {0} for backend ''{1}'' refused: {2}", identity.arn(), backendId, reason);
        return new FailureException(Failure.AGENT_LOGIN_FORBIDDEN, reason);
    }

    // Made once, on first use; a failure (no region anywhere) is retried at the next login.
    private synchronized IdentityVerifier verifier() throws FailureException {
        if (verifier == null) {
            try {
                verifier = newVerifier.get();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "AWS logins cannot be checked: " + e.getMessage());
                throw new FailureException(Failure.AWS_LOGIN_NOT_CONFIGURED,
                        "AWS logins are not configured on this proxy (" + oneLine(e.getMessage()) + ")");
            }
        }
        return verifier;
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("[\\r\\n]+", " ");
    }
}
