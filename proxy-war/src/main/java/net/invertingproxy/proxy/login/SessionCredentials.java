package net.invertingproxy.proxy.login;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Issues and checks the session credentials of AWS-verified agents, {@code ips_<payload>.<mac>}:
 * the payload names the backend, the account, the ARN and the expiry, and an HMAC-SHA256 under the
 * proxy's key vouches for it. Nothing is stored per session, so memory stays bounded however many
 * agents log in, and a check needs no AWS call, so admitted agents keep working while AWS is down.
 */
public final class SessionCredentials {
    /** The prefix that tells a session credential from a shared agent credential ({@code ipa_}). */
    public static final String PREFIX = "ips_";
    private static final String ALGORITHM = "HmacSHA256";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    // Longer than any payload (backend ID, ARN up to 2048 characters, expiry) encodes to.
    private static final int MAX_TOKEN_LENGTH = 4096;

    private final SecretKeySpec key;
    private final Duration lifetime;
    private final Clock clock;

    /** A session issuer with the given key text, or a random key per process if it is empty. */
    public SessionCredentials(String keyText, Duration lifetime, Clock clock) {
        byte[] keyBytes;
        if (keyText.isEmpty()) {
            keyBytes = new byte[32];
            new SecureRandom().nextBytes(keyBytes);
        } else {
            keyBytes = keyText.getBytes(StandardCharsets.UTF_8);
        }
        this.key = new SecretKeySpec(keyBytes, ALGORITHM);
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** A session of a verified agent, as the credential vouches for it. */
    public record Session(String backendId, String account, String arn, Instant expires) {
    }

    /** How long a new session is valid. */
    public Duration lifetime() {
        return lifetime;
    }

    /** A new session credential for {@code identity} serving {@code backendId}. */
    public String issue(String backendId, CallerIdentity identity) {
        long expires = clock.instant().plus(lifetime).getEpochSecond();
        String payload = "1|" + backendId + "|" + identity.account() + "|" + identity.arn() + "|" + expires;
        byte[] payloadBytes = payload.getBytes(StandardCharsets.UTF_8);
        return PREFIX + ENCODER.encodeToString(payloadBytes) + "." + ENCODER.encodeToString(mac(payloadBytes));
    }

    /** The session the token vouches for, if it is one of ours, untampered and not expired. */
    public Optional<Session> check(String token) {
        if (token == null || !token.startsWith(PREFIX) || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        byte[] payload;
        byte[] presentedMac;
        try {
            payload = DECODER.decode(token.substring(PREFIX.length(), dot));
            presentedMac = DECODER.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(mac(payload), presentedMac)) {
            return Optional.empty();
        }
        String[] fields = new String(payload, StandardCharsets.UTF_8).split("\\|", -1);
        if (fields.length != 5 || !fields[0].equals("1")) {
            return Optional.empty();
        }
        Instant expires;
        try {
            expires = Instant.ofEpochSecond(Long.parseLong(fields[4]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(expires)) {
            return Optional.empty();
        }
        return Optional.of(new Session(fields[1], fields[2], fields[3], expires));
    }

    private byte[] mac(byte[] payload) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(payload);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every JDK has " + ALGORITHM, e);
        }
    }
}
