package net.invertingproxy.proxy.aws;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.ListRoleTagsResponse;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Tag;

/**
 * The backends a role's {@code AllowedBackends} tag names (IDs separated by commas or white space),
 * read with IAM {@code ListRoleTags} and kept for a while, so that agents logging in again do not
 * each cost an IAM call. A role IAM does not know is remembered too, for a shorter while, so that a
 * misconfigured agent retrying its login cannot hammer IAM. At most {@value #MAX_ROLES} roles are kept.
 */
final class RoleTags {
    static final String TAG = "AllowedBackends";
    private static final int MAX_ROLES = 10_000;
    // Short: a role created after a refused login is found within a minute.
    static final Duration UNKNOWN_ROLE_TTL = Duration.ofSeconds(60);
    private static final System.Logger LOG = System.getLogger(RoleTags.class.getName());

    private record Entry(boolean roleKnown, Set<String> backends, Instant expires) {
    }

    private final IamClient iam;
    private final Duration ttl;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();

    RoleTags(IamClient iam, Duration ttl, Clock clock) {
        this.iam = iam;
        this.ttl = ttl;
        this.clock = clock;
    }

    Set<String> allowedBackends(String account, String roleName) throws FailureException {
        String key = account + ":" + roleName;
        Instant now = clock.instant();
        Entry cached = cache.get(key);
        if (cached == null || !now.isBefore(cached.expires())) {
            cached = read(roleName, now);
            makeRoom(now);
            cache.put(key, cached);
        }
        if (!cached.roleKnown()) {
            throw new FailureException(Failure.AGENT_LOGIN_FORBIDDEN, "role " + roleName + " is unknown to IAM");
        }
        return cached.backends();
    }

    private Entry read(String roleName, Instant now) throws FailureException {
        Set<String> backends = new LinkedHashSet<>();
        String marker = null;
        try {
            do {
                String page = marker;
                ListRoleTagsResponse answer = iam.listRoleTags(request -> request.roleName(roleName).marker(page));
                for (Tag tag : answer.tags()) {
                    if (tag.key().equals(TAG)) {
                        for (String id : tag.value().split("[,\\s]+")) {
                            if (!id.isEmpty()) {
                                backends.add(id);
                            }
                        }
                    }
                }
                marker = Boolean.TRUE.equals(answer.isTruncated()) ? answer.marker() : null;
            } while (marker != null);
        } catch (NoSuchEntityException e) {
            return new Entry(false, Set.of(), now.plus(ttl.compareTo(UNKNOWN_ROLE_TTL) < 0 ? ttl : UNKNOWN_ROLE_TTL));
        } catch (SdkException e) {
            // Access denied to the proxy, throttling, IAM down or slow: fail closed, and say so in the log.
            LOG.log(Level.WARNING, "IAM ListRoleTags for role " + roleName + " failed: " + oneLine(e.getMessage()));
            throw new FailureException(Failure.AWS_UNAVAILABLE, "IAM could not be asked for the role's tags");
        }
        return new Entry(true, Set.copyOf(backends), now.plus(ttl));
    }

    // Expired entries go first; if all are live, the cache starts over rather than grow.
    private void makeRoom(Instant now) {
        if (cache.size() < MAX_ROLES) {
            return;
        }
        cache.values().removeIf(entry -> !now.isBefore(entry.expires()));
        if (cache.size() >= MAX_ROLES) {
            cache.clear();
        }
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("[\\r\\n]+", " ");
    }
}
