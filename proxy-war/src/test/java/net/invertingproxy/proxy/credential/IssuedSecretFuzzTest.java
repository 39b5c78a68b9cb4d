package net.invertingproxy.proxy.credential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link IssuedSecret#parse} and {@link SecretHash#matches} with presented tokens (agent
 * credentials and API keys). Their contract: parsing never throws and gives back exactly the token
 * presented, and a hash matches only its own secret.
 */
class IssuedSecretFuzzTest {
    private static final IssuedSecret ISSUED = IssuedSecret.generate(IssuedSecret.API_KEY);
    private static final SecretHash STORED = ISSUED.hash();

    @FuzzTest
    void parseAndMatch(FuzzedDataProvider data) {
        String kind = data.pickValue(new String[] {IssuedSecret.AGENT, IssuedSecret.API_KEY});
        String token = data.consumeRemainingAsString();

        Optional<IssuedSecret> parsed = IssuedSecret.parse(token, kind);

        parsed.ifPresent(secret -> {
            assertEquals(kind, secret.kind());
            assertEquals(token.trim(), secret.token(), "the token read is the token presented");
        });
        String secret = parsed.map(IssuedSecret::secret).orElse(token);
        assertEquals(secret.equals(ISSUED.secret()), STORED.matches(secret), "a hash matches its own secret only");
        assertFalse(SecretHash.decoyCheck(secret));
        assertTrue(STORED.matches(ISSUED.secret()));
    }
}
