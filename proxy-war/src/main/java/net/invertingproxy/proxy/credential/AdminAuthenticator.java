package net.invertingproxy.proxy.credential;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * Checks the admin API's {@code Authorization: Bearer} credential against the {@code admin-token}
 * setting. Both are hashed before comparing, so the comparison takes the same time whatever the
 * presented token's length or where it differs. Without the setting the admin API is off.
 */
public final class AdminAuthenticator {
    private static final String BEARER = "Bearer ";

    private final byte[] tokenDigest;

    /** An authenticator for {@code adminToken}; an empty one turns the admin API off. */
    public AdminAuthenticator(String adminToken) {
        this.tokenDigest = adminToken == null || adminToken.isEmpty() ? null : sha256(adminToken);
    }

    /** Whether the admin API is on. */
    public boolean isEnabled() {
        return tokenDigest != null;
    }

    /** Returns if the header carries the admin token; else throws the 404 (API off) or 401 to answer. */
    public void check(String authorization) throws FailureException {
        if (tokenDigest == null) {
            throw new FailureException(Failure.ADMIN_API_OFF);
        }
        String presented = authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? authorization.substring(BEARER.length()).trim() : "";
        if (!MessageDigest.isEqual(tokenDigest, sha256(presented)) || presented.isEmpty()) {
            throw new FailureException(Failure.ADMIN_UNAUTHENTICATED);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
