package net.invertingproxy.proxy.credential;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;

/**
 * A secret as stored: a random salt and the SHA-256 of salt and secret, both base64. Every secret
 * the proxy checks is one it generated with 256 random bits, so there is no dictionary to guess
 * from and a fast hash is as strong as a slow one, while keeping each agent call cheap.
 */
public record SecretHash(String salt, String sha256) {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SALT_BYTES = 16;
    // Compared against when there is no stored hash, so a miss costs the same time as a wrong secret.
    private static final SecretHash DECOY = of("decoy");

    /** Checks both parts are present. */
    public SecretHash {
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(sha256, "sha256");
    }

    /** Hashes {@code secret} with a new random salt. */
    public static SecretHash of(String secret) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        Base64.Encoder base64 = Base64.getEncoder();
        return new SecretHash(base64.encodeToString(salt), base64.encodeToString(digest(salt, secret)));
    }

    /** Whether {@code secret} is the one hashed; the time taken does not depend on where they differ. */
    public boolean matches(String secret) {
        byte[] expected;
        byte[] salt;
        try {
            expected = Base64.getDecoder().decode(sha256);
            salt = Base64.getDecoder().decode(this.salt);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(expected, digest(salt, secret == null ? "" : secret));
    }

    /** Spends the time of one check and returns false: for a lookup that found nothing to check against. */
    public static boolean decoyCheck(String secret) {
        DECOY.matches(secret);
        return false;
    }

    private static byte[] digest(byte[] salt, String secret) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(salt);
            return sha256.digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
