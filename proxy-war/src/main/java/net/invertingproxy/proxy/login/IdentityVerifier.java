package net.invertingproxy.proxy.login;

import java.util.Set;

import net.invertingproxy.protocol.AgentLogin;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * Asks AWS about a login: who signed it, and which backends a role's {@code AllowedBackends} tag
 * names. Implemented with the AWS SDK in {@code proxy.aws}, so this interface keeps the SDK out of
 * every class loaded while no backend uses AWS logins.
 */
public interface IdentityVerifier {
    /**
     * Sends the signed request, rebuilt by the proxy, to STS and returns the caller it names;
     * throws 401 for a login STS refuses or one not signed for this proxy, 503 if STS cannot be asked.
     */
    CallerIdentity callerIdentity(AgentLogin.Request login) throws FailureException;

    /** The backend IDs the role's {@code AllowedBackends} tag names (cached); 403 for an unknown role, 503 if IAM cannot be asked. */
    Set<String> allowedBackends(String account, String roleName) throws FailureException;
}
