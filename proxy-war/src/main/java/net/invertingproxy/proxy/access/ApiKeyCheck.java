package net.invertingproxy.proxy.access;

import java.util.List;
import java.util.Optional;

import net.invertingproxy.proxy.access.AccessDecision.Allowed;
import net.invertingproxy.proxy.access.AccessDecision.Refused;
import net.invertingproxy.proxy.credential.IssuedSecret;
import net.invertingproxy.proxy.credential.SecretHash;
import net.invertingproxy.proxy.registry.ApiKey;
import net.invertingproxy.proxy.registry.EndUserAccess;

/** Checks the API key a client presents in the backend's API-key header against the backend's keys. */
final class ApiKeyCheck {
    AccessDecision check(EndUserAccess access, ClientRequestView request) {
        String challenge = "ApiKey header=\"" + access.apiKeyHeader() + "\"";
        List<String> values = request.values(access.apiKeyHeader());
        if (values.isEmpty()) {
            return new Refused(401, "API key missing", challenge);
        }
        if (values.size() > 1) {
            return new Refused(401, "more than one API key", challenge);
        }
        Optional<IssuedSecret> presented = IssuedSecret.parse(values.get(0), IssuedSecret.API_KEY);
        if (presented.isEmpty()) {
            return new Refused(401, "API key malformed", challenge);
        }
        ApiKey key = find(access.apiKeys(), presented.get().keyId());
        String secret = presented.get().secret();
        // An unknown key ID still costs one hash, so timing does not tell which key IDs exist.
        boolean matches = key == null ? SecretHash.decoyCheck(secret) : key.hash().matches(secret);
        return matches ? new Allowed(key.user()) : new Refused(401, "API key not accepted", challenge);
    }

    private static ApiKey find(List<ApiKey> keys, String keyId) {
        for (ApiKey key : keys) {
            if (key.keyId().equals(keyId)) {
                return key;
            }
        }
        return null;
    }
}
