package net.invertingproxy.proxy.credential;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A secret the proxy issues, in the form {@code <kind>_<keyId>_<secret>}: the key ID (64 random
 * bits, hex) names the key publicly so it can be found without comparing secrets, and the secret
 * (256 random bits, base64url) is shown once and then kept only as a {@link SecretHash}.
 * Kinds: {@code ipa} agent credentials, {@code ipk} end users' API keys.
 */
public record IssuedSecret(String kind, String keyId, String secret) {
    /** Kind of an agent credential. */
    public static final String AGENT = "ipa";
    /** Kind of an end user's API key. */
    public static final String API_KEY = "ipk";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern FORM = Pattern.compile("(ip[ak])_([0-9a-f]{16})_([A-Za-z0-9_-]{43})");

    /** A new secret of the given kind. */
    public static IssuedSecret generate(String kind) {
        byte[] keyId = new byte[8];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(keyId);
        RANDOM.nextBytes(secret);
        return new IssuedSecret(kind, HexFormat.of().formatHex(keyId),
                Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    /** A random password for HTTP Basic (256 bits, base64url), which has no key ID. */
    public static String generatePassword() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** Reads a presented token; empty if it is not of the issued form or not of {@code kind}. */
    public static Optional<IssuedSecret> parse(String token, String kind) {
        if (token == null) {
            return Optional.empty();
        }
        Matcher form = FORM.matcher(token.trim());
        if (!form.matches() || !form.group(1).equals(kind)) {
            return Optional.empty();
        }
        return Optional.of(new IssuedSecret(form.group(1), form.group(2), form.group(3)));
    }

    /** The token as given to its holder. */
    public String token() {
        return kind + "_" + keyId + "_" + secret;
    }

    /** What the proxy stores of it. */
    public SecretHash hash() {
        return SecretHash.of(secret);
    }

    /** Keeps the secret out of logs and exception messages. */
    @Override
    public String toString() {
        return kind + "_" + keyId + "_…";
    }
}
