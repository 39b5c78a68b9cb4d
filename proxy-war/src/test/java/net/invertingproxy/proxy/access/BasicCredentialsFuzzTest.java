package net.invertingproxy.proxy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link BasicCredentials#parse} with {@code Authorization} header values. Its contract: it
 * never throws, a user it returns holds no colon, and credentials encoded by RFC 7617 read back as
 * they were.
 */
class BasicCredentialsFuzzTest {
    @FuzzTest
    void parse(FuzzedDataProvider data) {
        boolean encoded = data.consumeBoolean();
        String authorization;
        String user = null;
        String password = null;
        if (encoded) {
            user = data.consumeString(100);
            password = data.consumeRemainingAsString();
            authorization = "Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.UTF_8));
        } else {
            authorization = data.consumeRemainingAsString();
        }

        Optional<BasicCredentials> parsed = BasicCredentials.parse(authorization);

        parsed.ifPresent(credentials -> assertFalse(credentials.user().contains(":"), "a user holds no colon"));
        boolean fits = authorization.length() <= BasicCredentials.MAX_HEADER_CHARS;
        if (encoded && fits && !user.contains(":") && isWellFormedUtf16(user + password)) {
            assertEquals(Optional.of(new BasicCredentials(user, password)), parsed);
        }
    }

    // A lone surrogate has no UTF-8 form: it is encoded as '?', and does not come back.
    private static boolean isWellFormedUtf16(String text) {
        return StandardCharsets.UTF_8.newEncoder().canEncode(text);
    }
}
