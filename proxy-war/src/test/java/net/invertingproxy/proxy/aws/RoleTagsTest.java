package net.invertingproxy.proxy.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import net.invertingproxy.proxy.failure.FailureException;

import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.ListRoleTagsRequest;
import software.amazon.awssdk.services.iam.model.ListRoleTagsResponse;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Tag;

/** How long {@link RoleTags} keeps what IAM said: a role's tags, and that a role does not exist. */
class RoleTagsTest {
    private static final String ACCOUNT = "123456789012";
    private static final Duration TAGS_TTL = Duration.ofSeconds(300);

    private final MovableClock clock = new MovableClock();
    private final FakeIam iam = new FakeIam();

    @Test
    void anUnknownRoleIsRememberedForAMinuteThenAskedAgain() throws Exception {
        RoleTags tags = new RoleTags(iam, TAGS_TTL, clock);
        assertUnknown(tags, "Ghost");
        clock.advance(RoleTags.UNKNOWN_ROLE_TTL.minusSeconds(1));
        assertUnknown(tags, "Ghost");
        assertEquals(List.of("Ghost"), iam.asked, "the second refusal came from the cache");

        // Created in the meantime: found once the minute is over.
        iam.roles = Set.of("Ghost");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Set.of("default"), tags.allowedBackends(ACCOUNT, "Ghost"));
        assertEquals(List.of("Ghost", "Ghost"), iam.asked);
    }

    @Test
    void anUnknownRoleIsNeverRememberedLongerThanTags() throws Exception {
        RoleTags tags = new RoleTags(iam, Duration.ofSeconds(10), clock);
        assertUnknown(tags, "Ghost");
        clock.advance(Duration.ofSeconds(10));
        assertUnknown(tags, "Ghost");
        assertEquals(List.of("Ghost", "Ghost"), iam.asked);
    }

    @Test
    void aKnownRolesTagsAreKeptForTheirOwnTtl() throws Exception {
        iam.roles = Set.of("AgentRole");
        RoleTags tags = new RoleTags(iam, TAGS_TTL, clock);
        assertEquals(Set.of("default"), tags.allowedBackends(ACCOUNT, "AgentRole"));
        clock.advance(TAGS_TTL.minusSeconds(1));
        assertEquals(Set.of("default"), tags.allowedBackends(ACCOUNT, "AgentRole"));
        assertEquals(List.of("AgentRole"), iam.asked);
        clock.advance(Duration.ofSeconds(1));
        tags.allowedBackends(ACCOUNT, "AgentRole");
        assertEquals(List.of("AgentRole", "AgentRole"), iam.asked);
    }

    private static void assertUnknown(RoleTags tags, String role) {
        FailureException refused = assertThrows(FailureException.class, () -> tags.allowedBackends(ACCOUNT, role));
        assertEquals(403, refused.status());
        assertEquals("role " + role + " is unknown to IAM", refused.getMessage());
    }

    /** IAM with the roles the test names, each tagged {@code AllowedBackends=default}; it records what it is asked. */
    private static final class FakeIam implements IamClient {
        final List<String> asked = new CopyOnWriteArrayList<>();
        volatile Set<String> roles = Set.of();

        @Override
        public ListRoleTagsResponse listRoleTags(ListRoleTagsRequest request) {
            asked.add(request.roleName());
            if (!roles.contains(request.roleName())) {
                throw NoSuchEntityException.builder().message("The role with name " + request.roleName()
                        + " cannot be found.").build();
            }
            return ListRoleTagsResponse.builder().isTruncated(false)
                    .tags(Tag.builder().key(RoleTags.TAG).value("default").build()).build();
        }

        @Override
        public String serviceName() {
            return SERVICE_NAME;
        }

        @Override
        public void close() {
        }
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
