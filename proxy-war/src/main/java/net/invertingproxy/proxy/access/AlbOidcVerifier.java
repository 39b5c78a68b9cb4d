package net.invertingproxy.proxy.access;

import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import net.invertingproxy.proxy.access.OidcVerification.Rejected;
import net.invertingproxy.proxy.access.OidcVerification.Verified;

/**
 * Checks the {@code x-amzn-oidc-data} token an AWS ALB adds once it has authenticated the user:
 * the header names ES256, a key ID and the expected ALB as signer; the signature, by that ALB's
 * published key, covers the first two segments exactly as received; the payload's {@code exp}
 * has not passed. Anyone who reaches the proxy without the ALB can send the header, so nothing in
 * it counts until all of this holds.
 */
public final class AlbOidcVerifier {
    /** The header the ALB puts the token in. */
    public static final String HEADER = "x-amzn-oidc-data";
    /** Longest token read; the ALB's are a few KiB, and nothing is parsed beyond this. */
    public static final int MAX_TOKEN_CHARS = 16 * 1024;
    /** How far the proxy's clock may run ahead of the ALB's before a fresh token counts as expired. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
    private static final Pattern EXP = Pattern.compile("\\d{1,12}");
    // The subject travels to the agent in a header, so only visible ASCII, never CR or LF.
    private static final Pattern SUBJECT = Pattern.compile("[!-~]{1,256}");

    private final AlbPublicKeys keys;
    private final Clock clock;

    /** Verifies with keys from {@code keys} and judges expiry by {@code clock}. */
    public AlbOidcVerifier(AlbPublicKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /** The verified subject of {@code token}, or why it is rejected; {@code albArn} names the ALB that must sign. */
    public OidcVerification verify(String token, String albArn) {
        if (token == null || token.isBlank()) {
            return new Rejected("OIDC token missing");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            return new Rejected("OIDC token too large");
        }
        AlbOidcToken parsed;
        try {
            parsed = AlbOidcToken.parse(token);
        } catch (IllegalArgumentException e) {
            return new Rejected("OIDC token malformed");
        }
        JsonObject header = parsed.header();
        if (!"ES256".equals(StrictJson.string(header, "alg"))) {
            return new Rejected("OIDC token alg is not ES256");
        }
        if (albArn == null || !albArn.equals(StrictJson.string(header, "signer"))) {
            return new Rejected("OIDC token not signed by the configured ALB");
        }
        Optional<ECPublicKey> key = keys.find(region(albArn), StrictJson.string(header, "kid"));
        if (key.isEmpty()) {
            return new Rejected("ALB public key unavailable");
        }
        if (!signatureValid(parsed, key.get())) {
            return new Rejected("OIDC token signature invalid");
        }
        return claims(parsed);
    }

    private OidcVerification claims(AlbOidcToken token) {
        JsonObject payload;
        try {
            payload = token.payload();
        } catch (IllegalArgumentException e) {
            return new Rejected("OIDC token payload malformed");
        }
        // A whole number of seconds, as the ALB writes it; fractions and exponents would only hide overflow.
        JsonElement expClaim = payload.get("exp");
        String exp = expClaim instanceof JsonPrimitive number && number.isNumber() ? number.getAsString() : "";
        if (!EXP.matcher(exp).matches()) {
            return new Rejected("OIDC token has no valid exp");
        }
        if (clock.instant().getEpochSecond() >= Long.parseLong(exp) + CLOCK_SKEW.toSeconds()) {
            return new Rejected("OIDC token expired");
        }
        String subject = StrictJson.string(payload, "sub");
        if (subject == null || !SUBJECT.matcher(subject).matches()) {
            return new Rejected("OIDC token has no usable sub");
        }
        return new Verified(subject);
    }

    private static boolean signatureValid(AlbOidcToken token, ECPublicKey key) {
        try {
            Signature signature = Signature.getInstance("SHA256withECDSAinP1363Format");
            signature.initVerify(key);
            signature.update(token.signedBytes());
            return signature.verify(token.signature());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    // arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>
    private static String region(String albArn) {
        String[] fields = albArn.split(":", 6);
        return fields.length == 6 ? fields[3] : null;
    }
}
