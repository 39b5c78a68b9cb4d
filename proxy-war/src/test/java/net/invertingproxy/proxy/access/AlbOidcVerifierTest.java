package net.invertingproxy.proxy.access;

import static net.invertingproxy.proxy.access.AlbSigningKey.ARN;
import static net.invertingproxy.proxy.access.AlbSigningKey.REGION;
import static net.invertingproxy.proxy.access.AlbSigningKey.header;
import static net.invertingproxy.proxy.access.AlbSigningKey.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import net.invertingproxy.proxy.access.OidcVerification.Rejected;
import net.invertingproxy.proxy.access.OidcVerification.Verified;

class AlbOidcVerifierTest {
    private static final String KID = "0b6a1d3e-8c47-4f0e-9b1a-2f3c4d5e6f70";
    private static final String SUB = "8a7b6c5d-1234-4e5f-9a8b-7c6d5e4f3a2b";

    private final SteppingClock clock = new SteppingClock();
    private final AlbSigningKey alb = AlbSigningKey.generate();
    private final KeyServer keyServer;
    private final AlbOidcVerifier verifier;

    AlbOidcVerifierTest() throws Exception {
        keyServer = new KeyServer();
        keyServer.put(REGION, KID, alb.pem());
        verifier = new AlbOidcVerifier(new AlbPublicKeys(keyServer.urlTemplate(), clock), clock);
    }

    @AfterEach
    void stopKeyServer() {
        keyServer.close();
    }

    private String validToken() {
        return alb.sign(header("ES256", KID, ARN), payload(SUB, clock.epochSecond() + 120));
    }

    private static void assertRejected(String reason, OidcVerification verification) {
        assertEquals(new Rejected(reason), verification);
    }

    @Test
    void validPaddedTokenGivesItsSubject() {
        String token = validToken();
        assertTrue(token.contains("="), "the ALB pads its segments; this test must too");

        assertEquals(new Verified(SUB), verifier.verify(token, ARN));
        assertEquals(List.of("/" + REGION + "/" + KID), keyServer.requestedPaths);
    }

    @Test
    void unpaddedTokenIsAcceptedToo() {
        String token = alb.sign(header("ES256", KID, ARN), payload(SUB, clock.epochSecond() + 120),
                Base64.getUrlEncoder().withoutPadding());
        assertEquals(new Verified(SUB), verifier.verify(token, ARN));
    }

    @Test
    void signatureIsCheckedOverSegmentsAsReceivedNotReencoded() {
        // Signed without padding, then padded: same bytes decoded, but not the text the ALB signed.
        String unpadded = alb.sign(header("ES256", KID, ARN) + " ", payload(SUB, clock.epochSecond() + 120),
                Base64.getUrlEncoder().withoutPadding());
        String[] parts = unpadded.split("\\.");
        String padded = pad(parts[0]) + "." + pad(parts[1]) + "." + parts[2];
        assertTrue(!padded.equals(unpadded));
        assertRejected("OIDC token signature invalid", verifier.verify(padded, ARN));
    }

    private static String pad(String segment) {
        return segment + "=".repeat((4 - segment.length() % 4) % 4);
    }

    @Test
    void expiredTokenIsRejected() {
        String token = validToken();
        clock.advance(Duration.ofSeconds(120).plus(AlbOidcVerifier.CLOCK_SKEW));
        assertRejected("OIDC token expired", verifier.verify(token, ARN));
    }

    @Test
    void tokenJustPastExpiryIsAcceptedWithinTheSkew() {
        String token = validToken();
        clock.advance(Duration.ofSeconds(120).plus(AlbOidcVerifier.CLOCK_SKEW).minusSeconds(1));
        assertEquals(new Verified(SUB), verifier.verify(token, ARN));
    }

    @Test
    void tokenOfAnotherAlbIsRejectedWithoutFetchingAKey() {
        String otherArn = ARN.replace("test-alb", "other-alb");
        String token = alb.sign(header("ES256", KID, otherArn), payload(SUB, clock.epochSecond() + 120));
        assertRejected("OIDC token not signed by the configured ALB", verifier.verify(token, ARN));
        assertEquals(List.of(), keyServer.requestedPaths);
    }

    @Test
    void algNoneIsRejected() {
        String unsigned = AlbSigningKey.segment(header("none", KID, ARN), Base64.getUrlEncoder()) + "."
                + AlbSigningKey.segment(payload(SUB, clock.epochSecond() + 120), Base64.getUrlEncoder());
        assertRejected("OIDC token malformed", verifier.verify(unsigned + ".", ARN));
        assertRejected("OIDC token alg is not ES256", verifier.verify(unsigned + ".AAAA", ARN));
    }

    @Test
    void hs256KeyedWithThePublicKeyIsRejected() throws Exception {
        // The classic confusion attack: an HMAC whose secret is the published public key.
        String signed = AlbSigningKey.segment(header("HS256", KID, ARN), Base64.getUrlEncoder()) + "."
                + AlbSigningKey.segment(payload(SUB, clock.epochSecond() + 120), Base64.getUrlEncoder());
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(alb.pem().getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        String token = signed + "." + Base64.getUrlEncoder().encodeToString(hmac.doFinal(signed.getBytes()));
        assertRejected("OIDC token alg is not ES256", verifier.verify(token, ARN));
    }

    @Test
    void signatureByAnotherKeyIsRejected() {
        String forged = AlbSigningKey.generate().sign(header("ES256", KID, ARN),
                payload(SUB, clock.epochSecond() + 120));
        assertRejected("OIDC token signature invalid", verifier.verify(forged, ARN));
    }

    @Test
    void tamperedPayloadIsRejected() {
        String[] parts = validToken().split("\\.");
        String otherPayload = AlbSigningKey.segment(payload("admin", clock.epochSecond() + 120),
                Base64.getUrlEncoder());
        String tampered = parts[0] + "." + otherPayload + "." + parts[2];
        assertRejected("OIDC token signature invalid", verifier.verify(tampered, ARN));
    }

    @Test
    void unknownKidIsRejectedWhenKeyServerAnswers404() {
        String token = alb.sign(header("ES256", "11111111-2222-3333-4444-555555555555", ARN),
                payload(SUB, clock.epochSecond() + 120));
        assertRejected("ALB public key unavailable", verifier.verify(token, ARN));
        assertEquals(1, keyServer.requestedPaths.size());
    }

    @Test
    void kidThatIsNoPlainNameIsNeverPutInAUrl() {
        String token = alb.sign(header("ES256", "../../" + KID, ARN), payload(SUB, clock.epochSecond() + 120));
        assertRejected("ALB public key unavailable", verifier.verify(token, ARN));
        assertEquals(List.of(), keyServer.requestedPaths);
    }

    @Test
    void keyServerDownIsARefusalNotAnException() {
        String token = validToken();
        keyServer.close();
        assertRejected("ALB public key unavailable", verifier.verify(token, ARN));
    }

    @Test
    void oversizedTokenIsRejectedBeforeAnyParsing() {
        String big = alb.sign(header("ES256", KID, ARN),
                payload("a".repeat(AlbOidcVerifier.MAX_TOKEN_CHARS), clock.epochSecond() + 120));
        assertRejected("OIDC token too large", verifier.verify(big, ARN));
        assertEquals(List.of(), keyServer.requestedPaths);
    }

    @Test
    void malformedTokensAreRejected() {
        String[] parts = validToken().split("\\.");
        assertRejected("OIDC token missing", verifier.verify(null, ARN));
        assertRejected("OIDC token missing", verifier.verify(" ", ARN));
        assertRejected("OIDC token malformed", verifier.verify(parts[0] + "." + parts[1], ARN));
        assertRejected("OIDC token malformed", verifier.verify(validToken() + ".x", ARN));
        assertRejected("OIDC token malformed", verifier.verify("a+b." + parts[1] + "." + parts[2], ARN));
        assertRejected("OIDC token malformed", verifier.verify("bm90IGpzb24." + parts[1] + "." + parts[2], ARN));
        // Gson alone would take unquoted names; a signed header has no reason to need them.
        String lenient = AlbSigningKey.segment("{alg:\"ES256\",kid:\"" + KID + "\",signer:\"" + ARN + "\"}",
                Base64.getUrlEncoder());
        assertRejected("OIDC token malformed", verifier.verify(lenient + "." + parts[1] + "." + parts[2], ARN));
        // A byte that is not UTF-8 inside a string value would survive decoding with replacement.
        byte[] notUtf8 = header("ES256", KID, ARN).replace("JWT", "J\u00ffT").getBytes(StandardCharsets.ISO_8859_1);
        String notUtf8Header = Base64.getUrlEncoder().encodeToString(notUtf8);
        assertRejected("OIDC token malformed", verifier.verify(notUtf8Header + "." + parts[1] + "." + parts[2], ARN));
    }

    @Test
    void signedPayloadWithoutUsableClaimsIsRejected() {
        String header = header("ES256", KID, ARN);
        long exp = clock.epochSecond() + 120;
        assertRejected("OIDC token has no valid exp", verifier.verify(alb.sign(header, "{\"sub\":\"a\"}"), ARN));
        assertRejected("OIDC token has no valid exp",
                verifier.verify(alb.sign(header, "{\"sub\":\"a\",\"exp\":\"" + exp + "\"}"), ARN));
        assertRejected("OIDC token has no valid exp",
                verifier.verify(alb.sign(header, "{\"sub\":\"a\",\"exp\":1e30}"), ARN));
        assertRejected("OIDC token has no usable sub", verifier.verify(alb.sign(header, "{\"exp\":" + exp + "}"), ARN));
        assertRejected("OIDC token has no usable sub",
                verifier.verify(alb.sign(header, "{\"sub\":\"a\\r\\nX-Injected: 1\",\"exp\":" + exp + "}"), ARN));
        assertRejected("OIDC token payload malformed", verifier.verify(alb.sign(header, "not json"), ARN));
    }

    @Test
    void armWithoutRegionCannotFindAKey() {
        String arn = "arn:aws:elasticloadbalancing";
        String token = alb.sign(header("ES256", KID, arn), payload(SUB, clock.epochSecond() + 120));
        assertRejected("ALB public key unavailable", verifier.verify(token, arn));
    }
}
