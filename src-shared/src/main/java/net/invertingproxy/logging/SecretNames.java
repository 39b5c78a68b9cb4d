package net.invertingproxy.logging;

import java.util.Set;

/**
 * The names that carry credentials, in lower case: headers and query parameters whose values
 * neither a log line nor the dashboard's inspector may show.
 */
public final class SecretNames {
    /** Headers whose values are credentials, session cookies or signed identity tokens. */
    public static final Set<String> HEADERS = Set.of("authorization", "proxy-authorization", "cookie", "set-cookie",
            "x-api-key", "x-auth-token", "x-amz-security-token", "x-amzn-oidc-data", "x-amzn-oidc-accesstoken",
            "x-inverting-proxy-cluster-secret");
    /** Query parameters that carry tokens (OAuth, presigned AWS URLs, common API keys). */
    public static final Set<String> QUERY_PARAMETERS = Set.of("access_token", "id_token", "refresh_token", "token",
            "api_key", "apikey", "key", "code", "password", "secret", "client_secret", "sig", "signature",
            "x-amz-signature", "x-amz-credential", "x-amz-security-token");

    private SecretNames() {
    }
}
