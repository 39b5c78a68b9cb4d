package net.invertingproxy.proxy.access;

import static net.invertingproxy.proxy.access.AlbSigningKey.ARN;
import static net.invertingproxy.proxy.access.AlbSigningKey.REGION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.gson.JsonObject;

import net.invertingproxy.proxy.access.OidcVerification.Verified;

/**
 * Fuzzes {@link AlbOidcVerifier#verify} with the {@code x-amzn-oidc-data} header: raw text, and
 * tokens whose header and payload JSON are fuzzed but which the test ALB really signed, so the
 * fuzzer gets past the signature to the claims. Its contract: it never throws, it answers
 * {@link Verified} only for a token the ALB signed, and then with the payload's {@code sub}.
 */
class AlbOidcVerifierFuzzTest {
    private static final String KID = "0b6a1d3e-8c47-4f0e-9b1a-2f3c4d5e6f70";
    private static final SteppingClock CLOCK = new SteppingClock();
    private static final AlbSigningKey ALB = AlbSigningKey.generate();
    // One key server for the whole run: the verifier caches the key, so it is fetched once.
    private static final AlbOidcVerifier VERIFIER = verifier();

    private static AlbOidcVerifier verifier() {
        try {
            KeyServer keys = new KeyServer();
            keys.put(REGION, KID, ALB.pem());
            // Jazzer's SSRF detector reports every connection; fetching the key from this stand-in is the point.
            int port = URI.create(keys.urlTemplate().replace("{region}/{kid}", "")).getPort();
            BugDetectors.allowNetworkConnections((host, to) -> to == port
                    && (host.equals("127.0.0.1") || host.equals("localhost")));
            return new AlbOidcVerifier(new AlbPublicKeys(keys.urlTemplate(), CLOCK), CLOCK);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    void verify(FuzzedDataProvider data) {
        int mode = data.consumeInt(0, 2);
        String token;
        if (mode == 0) {
            token = data.consumeRemainingAsString();
        } else {
            // Mode 1 keeps the header the ALB writes and fuzzes the claims; mode 2 fuzzes both.
            String header = mode == 1 ? AlbSigningKey.header("ES256", KID, ARN) : data.consumeString(400);
            token = ALB.sign(header, data.consumeRemainingAsString());
        }
        if (token.length() > 2 * AlbOidcVerifier.MAX_TOKEN_CHARS) {
            return;
        }

        OidcVerification verification = VERIFIER.verify(token, ARN);

        assertNotNull(verification);
        if (verification instanceof Verified verified) {
            assertTrue(mode != 0 || token.trim().split("\\.", -1).length == 3, "verified a token the ALB never signed");
            JsonObject payload = StrictJson.parseObject(AlbOidcToken.decode(token.trim().split("\\.", -1)[1]));
            assertEquals(StrictJson.string(payload, "sub"), verified.subject());
            assertTrue(verified.subject().matches("[!-~]{1,256}"), "subject fit for a header: " + verified.subject());
        }
    }

    @FuzzTest
    void parseStrictJson(byte[] json) {
        if (json.length > AlbOidcVerifier.MAX_TOKEN_CHARS) {
            return;
        }
        JsonObject object;
        try {
            object = StrictJson.parseObject(json);
        } catch (IllegalArgumentException refused) {
            return;
        }
        assertEquals(object, StrictJson.parseObject(object.toString().getBytes(StandardCharsets.UTF_8)),
                "the object survives being written and read again");
    }
}
