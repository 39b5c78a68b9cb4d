package net.invertingproxy.proxy.access;

import java.util.List;
import java.util.Optional;

import net.invertingproxy.proxy.access.AccessDecision.Allowed;
import net.invertingproxy.proxy.access.AccessDecision.Refused;
import net.invertingproxy.proxy.credential.SecretHash;
import net.invertingproxy.proxy.registry.BasicUser;
import net.invertingproxy.proxy.registry.EndUserAccess;

/** Checks a client's HTTP Basic credentials against the backend's Basic users. */
final class BasicAuthCheck {
    /** The header Basic credentials travel in. */
    static final String AUTHORIZATION = "Authorization";

    AccessDecision check(String backendId, EndUserAccess access, ClientRequestView request) {
        String challenge = "Basic realm=" + quoted(backendId) + ", charset=\"UTF-8\"";
        List<String> values = request.values(AUTHORIZATION);
        if (values.isEmpty()) {
            return new Refused(401, "credentials missing", challenge);
        }
        if (values.size() > 1) {
            return new Refused(401, "more than one Authorization header", challenge);
        }
        Optional<BasicCredentials> presented = BasicCredentials.parse(values.get(0));
        if (presented.isEmpty()) {
            return new Refused(401, "Authorization is not well-formed Basic", challenge);
        }
        BasicUser user = find(access.basicUsers(), presented.get().user());
        String password = presented.get().password();
        // An unknown user still costs one hash, so timing does not tell which users exist.
        boolean matches = user == null ? SecretHash.decoyCheck(password) : user.passwordHash().matches(password);
        return matches ? new Allowed(user.user()) : new Refused(401, "wrong user or password", challenge);
    }

    private static BasicUser find(List<BasicUser> users, String name) {
        for (BasicUser user : users) {
            if (user.user().equals(name)) {
                return user;
            }
        }
        return null;
    }

    // RFC 9110 quoted-string; backend IDs never need the escapes, but the realm must stay one header value.
    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
