package net.invertingproxy.proxy.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link SessionCredentials}, whose {@code ips_} credentials every AWS-verified agent call
 * presents. Its contract: {@code check} never throws and vouches only for tokens issued under its
 * key, and a session it issued reads back as exactly what was issued or not at all, never as
 * another backend's or account's.
 */
class SessionCredentialsFuzzTest {
    private static final SessionCredentials SESSIONS =
            new SessionCredentials("fuzz-session-key-of-thirty-two-chars!", Duration.ofMinutes(15), Clock.systemUTC());

    @FuzzTest
    void checkPresented(byte[] token) {
        if (token.length > 8192) {
            return;
        }
        String presented = SessionCredentials.PREFIX + new String(token, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(Optional.empty(), SESSIONS.check(presented), "vouched for a token it never issued");
    }

    @FuzzTest
    void issueAndCheck(FuzzedDataProvider data) {
        String backendId = data.consumeString(64);
        String account = data.consumeString(16);
        String arn = data.consumeRemainingAsString();
        if (arn.length() > 2048) {
            return;
        }
        String token = SESSIONS.issue(backendId, new CallerIdentity(account, arn));

        Optional<SessionCredentials.Session> session = SESSIONS.check(token);

        if (session.isPresent()) {
            assertEquals(backendId, session.get().backendId());
            assertEquals(account, session.get().account());
            assertEquals(arn, session.get().arn());
        } else {
            assertTrue((backendId + account + arn).contains("|") || !isWellFormedUtf16(backendId + account + arn)
                    || token.length() > 4096, "a fresh session was refused: " + token);
        }
    }

    private static boolean isWellFormedUtf16(String text) {
        return java.nio.charset.StandardCharsets.UTF_8.newEncoder().canEncode(text);
    }
}
