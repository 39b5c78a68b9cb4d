package net.invertingproxy.agent.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import net.invertingproxy.protocol.AgentLogin;

/**
 * When an AWS-verified agent logs in: before its first call, again after two thirds of the session,
 * not while a failed renewal leaves the session valid, and at once after the proxy refused it.
 */
class SessionAuthorizationTest {
    private static final long SESSION_SECONDS = 900;

    private final MovableClock clock = new MovableClock();
    private final ScriptedProxy proxy = new ScriptedProxy();
    private final SessionAuthorization session = new SessionAuthorization(
            () -> new AgentLogin.Request(Map.of("Authorization", "signed-" + clock.instant())), proxy, clock);

    @Test
    void theFirstRefreshLogsInAndTheSessionIsSentAsBearer() throws IOException {
        assertNull(session.header(), "nothing to send before the login");
        proxy.answer("ips_1");
        session.refresh();
        assertEquals("Bearer ips_1", session.header());
        assertEquals(List.of("signed-" + MovableClock.START), proxy.loginsSigned);
    }

    @Test
    void theSessionIsRenewedAtTwoThirdsOfItsLifetimeAndNotBefore() throws IOException {
        proxy.answer("ips_1");
        session.refresh();
        clock.advance(Duration.ofSeconds(SESSION_SECONDS * 2 / 3 - 1));
        session.refresh();
        assertEquals(1, proxy.loginsSigned.size(), "no login before two thirds: " + proxy.loginsSigned);
        assertEquals("Bearer ips_1", session.header());

        proxy.answer("ips_2");
        clock.advance(Duration.ofSeconds(1));
        session.refresh();
        assertEquals(2, proxy.loginsSigned.size(), "a login at two thirds: " + proxy.loginsSigned);
        assertEquals("Bearer ips_2", session.header());
    }

    @Test
    void aFailedRenewalKeepsTheSessionUntilItExpires() throws IOException {
        proxy.answer("ips_1");
        session.refresh();
        clock.advance(Duration.ofSeconds(SESSION_SECONDS * 2 / 3));
        proxy.fail("503 AWS could not verify the login");
        session.refresh();
        assertEquals("Bearer ips_1", session.header(), "kept after the failed renewal");

        clock.advance(Duration.ofSeconds(SESSION_SECONDS / 3 - 1));
        proxy.fail("503 AWS could not verify the login");
        session.refresh();
        assertEquals("Bearer ips_1", session.header(), "kept until its last second");
        assertEquals(3, proxy.loginsSigned.size(), "each refresh after two thirds tried again: " + proxy.loginsSigned);

        clock.advance(Duration.ofSeconds(1));
        proxy.fail("503 AWS could not verify the login");
        IOException failed = assertThrows(IOException.class, session::refresh);
        assertEquals("503 AWS could not verify the login", failed.getMessage());
        assertNull(session.header(), "an expired session is not sent");
    }

    @Test
    void aSessionTheProxyRefusedIsDroppedAndTheNextRefreshLogsInAgain() throws IOException {
        proxy.answer("ips_1");
        session.refresh();
        session.refused("Bearer ips_1");
        assertNull(session.header(), "the refused session is no longer sent");

        proxy.answer("ips_2");
        session.refresh();
        assertEquals("Bearer ips_2", session.header());
        assertEquals(2, proxy.loginsSigned.size(), "a login long before two thirds: " + proxy.loginsSigned);
    }

    @Test
    void aRefusalOfAnEarlierSessionLeavesTheCurrentOneAlone() throws IOException {
        proxy.answer("ips_1");
        session.refresh();
        session.refused("Bearer ips_1");
        proxy.answer("ips_2");
        session.refresh();
        // A call still under way with the old session comes back 401 after the new login.
        session.refused("Bearer ips_1");
        assertEquals("Bearer ips_2", session.header());
        session.refresh();
        assertEquals(2, proxy.loginsSigned.size(), proxy.loginsSigned.toString());
    }

    /** The proxy's login endpoint as the test scripts it: each login takes the next answer or failure. */
    private static final class ScriptedProxy implements ProxyLogin {
        final List<String> loginsSigned = new ArrayList<>();
        private final Deque<Object> script = new ArrayDeque<>();

        void answer(String credential) {
            script.add(new AgentLogin.Answer(credential, SESSION_SECONDS));
        }

        void fail(String reason) {
            script.add(new IOException(reason));
        }

        @Override
        public AgentLogin.Answer login(AgentLogin.Request login) throws IOException {
            loginsSigned.add(login.header("Authorization"));
            Object next = script.poll();
            if (next == null) {
                throw new AssertionError("an unexpected login: " + login);
            }
            if (next instanceof IOException failure) {
                throw failure;
            }
            return (AgentLogin.Answer) next;
        }
    }

    /** A clock the test moves by hand, so the session's times are tested without sleeping. */
    static final class MovableClock extends Clock {
        static final Instant START = Instant.parse("2026-12-06T10:00:00Z");
        private volatile Instant now = START;

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
