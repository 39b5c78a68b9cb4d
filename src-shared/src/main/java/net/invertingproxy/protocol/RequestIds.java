package net.invertingproxy.protocol;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/** Creates and checks request IDs: 128 random bits from {@link SecureRandom}, URL-safe Base64 without padding. */
public final class RequestIds {
    private static final int RANDOM_BYTES = 16;
    // The Go proxy's IDs are also plain tokens; anything else in a header is refused before any lookup.
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private RequestIds() {
    }

    /** A new, unguessable request ID. */
    public static String next() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return ENCODER.encodeToString(bytes);
    }

    /** Whether the value could be a request ID at all (length and alphabet). */
    public static boolean isWellFormed(String value) {
        return value != null && WELL_FORMED.matcher(value).matches();
    }
}
