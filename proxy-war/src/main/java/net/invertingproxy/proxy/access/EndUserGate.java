package net.invertingproxy.proxy.access;

import java.util.List;

import net.invertingproxy.proxy.access.AccessDecision.Allowed;
import net.invertingproxy.proxy.access.AccessDecision.Refused;
import net.invertingproxy.proxy.access.OidcVerification.Verified;
import net.invertingproxy.proxy.registry.EndUserAccess;

/**
 * Decides whether a client request may reach a backend under its {@link EndUserAccess}: first the
 * address allow-list (on the client's address behind trusted proxies), then the mode's proof of
 * who the user is. A refusal is answered by the proxy itself, before anything is parked.
 */
public final class EndUserGate {
    private final ClientAddresses clientAddresses;
    private final AlbOidcVerifier albOidc;
    private final ApiKeyCheck apiKeys = new ApiKeyCheck();
    private final BasicAuthCheck basic = new BasicAuthCheck();

    /** Finds clients' addresses with {@code clientAddresses} and checks ALB tokens with {@code albOidc}. */
    public EndUserGate(ClientAddresses clientAddresses, AlbOidcVerifier albOidc) {
        this.clientAddresses = clientAddresses;
        this.albOidc = albOidc;
    }

    /** Whether {@code request} may reach backend {@code backendId}, and as which user. */
    public AccessDecision check(String backendId, EndUserAccess access, ClientRequestView request) {
        if (!addressAllowed(access.allowedAddresses(), clientAddresses.clientAddress(request))) {
            return new Refused(403, "client address not allowed", null);
        }
        return switch (access.mode()) {
            case PUBLIC -> new Allowed(null);
            case API_KEY -> apiKeys.check(access, request);
            case BASIC -> basic.check(backendId, access, request);
            case ALB_OIDC -> albOidc(access, request);
        };
    }

    private static boolean addressAllowed(List<String> allowed, String client) {
        if (allowed.isEmpty()) {
            return true;
        }
        // EndUserAccess checked every range when it was stored, so parsing cannot fail here.
        for (String range : allowed) {
            if (AddressRange.parse(range).contains(client)) {
                return true;
            }
        }
        return false;
    }

    private AccessDecision albOidc(EndUserAccess access, ClientRequestView request) {
        List<String> tokens = request.values(AlbOidcVerifier.HEADER);
        if (tokens.size() != 1) {
            return new Refused(401, tokens.isEmpty() ? "OIDC token missing" : "more than one OIDC token", null);
        }
        OidcVerification verification = albOidc.verify(tokens.get(0), access.albArn());
        if (verification instanceof Verified verified) {
            return new Allowed(verified.subject());
        }
        return new Refused(401, ((OidcVerification.Rejected) verification).reason(), null);
    }
}
