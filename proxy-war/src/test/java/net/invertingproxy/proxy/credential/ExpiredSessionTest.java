package net.invertingproxy.proxy.credential;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import net.invertingproxy.proxy.admin.BackendAdmin;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.login.CallerIdentity;
import net.invertingproxy.proxy.login.SessionCredentials;
import net.invertingproxy.proxy.registry.BackendRegistry;

/** A session credential holds for {@code aws-session-seconds} and is refused 401 from then on, checked locally. */
class ExpiredSessionTest {
    private static final String ACCOUNT = "123456789012";
    private static final Duration LIFETIME = Duration.ofSeconds(900);
    private static final CallerIdentity AGENT = new CallerIdentity(ACCOUNT,
            "arn:aws:sts::" + ACCOUNT + ":assumed-role/AgentRole/i-0abc");

    @TempDir
    Path dataDir;
    private final MovableClock clock = new MovableClock();
    private final SessionCredentials sessions = new SessionCredentials("", LIFETIME, clock);
    private AgentAuthenticator authenticator;

    @BeforeEach
    void backendTakingAwsLogins() throws Exception {
        BackendRegistry registry = BackendRegistry.open(dataDir, 10);
        new BackendAdmin(registry, clock, id -> 0, id -> null).create("{\"id\": \"default\", \"routes\":"
                + " [{\"pathPrefix\": \"/\"}], \"awsIdentity\": {\"accounts\": [\"" + ACCOUNT + "\"]}}");
        authenticator = new AgentAuthenticator(registry, sessions);
    }

    @Test
    void aSessionHoldsUntilItsLastSecondAndIsRefused401Then() {
        String authorization = "Bearer " + sessions.issue("default", AGENT);
        clock.advance(LIFETIME.minusSeconds(1));
        assertDoesNotThrow(() -> authenticator.check("default", authorization, "203.0.113.9"));

        clock.advance(Duration.ofSeconds(1));
        FailureException refused = assertThrows(FailureException.class,
                () -> authenticator.check("default", authorization, "203.0.113.9"));
        assertEquals(401, refused.status());
        assertEquals("session credential invalid or expired", refused.getMessage());
    }

    /** A clock the test moves by hand, so expiry is tested without sleeping. */
    private static final class MovableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-12-06T10:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
