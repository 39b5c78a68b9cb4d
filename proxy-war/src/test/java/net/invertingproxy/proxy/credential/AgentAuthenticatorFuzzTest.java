package net.invertingproxy.proxy.credential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import net.invertingproxy.proxy.admin.BackendAdmin;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.login.SessionCredentials;
import net.invertingproxy.proxy.registry.BackendRegistry;

/**
 * Fuzzes {@link AgentAuthenticator#check} with the {@code Authorization} header and source address
 * of agent calls. Its contract: a call is let through or refused with a {@link FailureException}
 * of 401 or 403, and nothing but the backend's own credential (or, for the backend that takes them,
 * a credential-less call from its source range) is let through.
 */
class AgentAuthenticatorFuzzTest {
    private static final SessionCredentials SESSIONS =
            new SessionCredentials("fuzz-session-key-of-thirty-two-chars!", Duration.ofMinutes(15), Clock.systemUTC());
    private static final AgentAuthenticator AUTHENTICATOR;
    private static final String CREDENTIAL;

    static {
        try {
            BackendRegistry registry = BackendRegistry.open(Files.createTempDirectory("agent-auth-fuzz"), 10);
            BackendAdmin admin = new BackendAdmin(registry, Clock.systemUTC(), id -> 0, id -> null);
            String created = admin.create("{\"id\": \"default\", \"routes\": [{\"pathPrefix\": \"/\"}]}");
            CREDENTIAL = created.replaceAll("(?s).*\"(ipa_[^\"]+)\".*", "$1");
            admin.create("{\"id\": \"legacy\", \"routes\": [{\"pathPrefix\": \"/legacy\"}],"
                    + " \"legacyAgents\": {\"allowed\": true, \"sourceRanges\": [\"10.0.0.0/8\"]}}");
            AUTHENTICATOR = new AgentAuthenticator(registry, SESSIONS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (FailureException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest
    void check(FuzzedDataProvider data) {
        String backendId = data.pickValue(new String[] {"default", "legacy", "other"});
        String source = data.consumeBoolean() ? "10.1.2.3" : data.consumeString(60);
        String authorization = switch (data.consumeInt(0, 3)) {
            case 0 -> null;
            case 1 -> "Bearer " + CREDENTIAL + data.consumeRemainingAsString();
            case 2 -> "Bearer " + data.consumeRemainingAsString();
            default -> data.consumeRemainingAsString();
        };
        try {
            AUTHENTICATOR.check(backendId, authorization, source);
        } catch (FailureException refused) {
            assertTrue(Set.of(401, 403).contains(refused.status()), "status " + refused.status());
            return;
        }
        boolean ownCredential = backendId.equals("default") && authorization != null
                && authorization.substring(7).trim().equals(CREDENTIAL);
        boolean legacyCall = backendId.equals("legacy");
        assertTrue(ownCredential || legacyCall, () -> "let through: " + backendId + " with " + authorization);
        if (legacyCall) {
            assertEquals(true, source.trim().startsWith("10.") || source.contains(":"), "legacy source " + source);
        }
    }
}
