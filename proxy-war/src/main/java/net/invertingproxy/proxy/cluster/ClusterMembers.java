package net.invertingproxy.proxy.cluster;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import net.invertingproxy.proxy.failure.FailureException;

/**
 * This instance's membership and its view of the others. A heartbeat writes this instance's entry
 * (its internal URL and the backends whose agents poll it) with an expiry, and reads every live
 * entry back; an instance that stops beating drops out when its entry expires.
 */
public final class ClusterMembers {
    private static final System.Logger LOG = System.getLogger(ClusterMembers.class.getName());
    static final String MEMBERS_KEY = "inverting-proxy:instances";
    static final String MEMBER_KEY_PREFIX = "inverting-proxy:instance:";
    // A refusal for want of an agent reads the members again at most this often.
    private static final long FRESH_READ_NANOS = java.time.Duration.ofMillis(100).toNanos();
    // Remembered instances; beyond it the longest missed are forgotten.
    private static final int MAX_REMEMBERED = 1000;

    // One round trip each: the entry, its expiry and the index are written together, and the
    // read prunes index entries whose own key expired (the instance died without leaving).
    private static final String BEAT = """
            redis.call('HSET', KEYS[1], 'url', ARGV[1], 'backends', ARGV[2], 'draining', ARGV[3])
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            redis.call('SADD', KEYS[2], ARGV[5])
            return 1
            """;
    private static final String READ_ALL = """
            local out = {}
            for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              local entry = redis.call('HMGET', ARGV[1] .. id, 'url', 'backends', 'draining')
              if entry[1] then
                table.insert(out, id)
                table.insert(out, entry[1])
                table.insert(out, entry[2] or '')
                table.insert(out, entry[3] or '0')
              else
                redis.call('SREM', KEYS[1], id)
              end
            end
            return out
            """;

    private final ClusterStore store;
    private final String instanceId;
    private final String internalUrl;
    private final Duration expiry;
    private final Supplier<Collection<String>> backendsWithAgents;
    private volatile boolean draining;
    private volatile long lastFreshRead = System.nanoTime() - FRESH_READ_NANOS;
    private volatile Map<String, Member> members = Map.of();
    private volatile Set<String> knownIds = Set.of();
    // Instances seen before and missing from every read since: when each was first missed. Gone
    // only once missed for longer than the expiry, so a Redis restarted empty, which every live
    // instance fills again within a beat, never makes one look gone.
    private final Map<String, Long> missedSince = new java.util.concurrent.ConcurrentHashMap<>();
    // Where instances seen before were reached, kept while they may still be alive.
    private final Map<String, String> lastKnownUrls = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The membership of {@code instanceId}, reachable at {@code internalUrl}; {@code backendsWithAgents}
     * tells at each beat which backends' agents poll this instance.
     */
    public ClusterMembers(ClusterStore store, String instanceId, String internalUrl, Duration expiry,
                          Supplier<Collection<String>> backendsWithAgents) {
        this.store = store;
        this.instanceId = instanceId;
        this.internalUrl = internalUrl;
        this.expiry = expiry;
        this.backendsWithAgents = backendsWithAgents;
    }

    /** This instance's ID. */
    public String instanceId() {
        return instanceId;
    }

    /** Writes this instance's entry and reads all; a failure leaves the last view (the store logs it). */
    public void beat() {
        try {
            store.call(redis -> redis.eval(BEAT, List.of(MEMBER_KEY_PREFIX + instanceId, MEMBERS_KEY),
                    List.of(internalUrl, String.join(" ", backendsWithAgents.get()), draining ? "1" : "0",
                            Long.toString(expiry.toMillis()), instanceId)));
            read();
        } catch (FailureException e) {
            // Logged once per outage by the store; the last view stays for named calls.
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cluster heartbeat failed: " + e);
        }
    }

    private synchronized void read() throws FailureException {
        Object all = store.call(redis -> redis.eval(READ_ALL, List.of(MEMBERS_KEY), List.of(MEMBER_KEY_PREFIX)));
        Map<String, Member> read = parse(all);
        remember(read, System.nanoTime());
        members = read;
        noteJoinsAndLeaves(read.keySet());
    }

    private void remember(Map<String, Member> read, long now) {
        for (String known : lastKnownUrls.keySet()) {
            if (!read.containsKey(known)) {
                missedSince.putIfAbsent(known, now);
            }
        }
        read.forEach((id, member) -> {
            missedSince.remove(id);
            lastKnownUrls.put(id, member.internalUrl());
        });
        if (lastKnownUrls.size() > MAX_REMEMBERED) {
            missedSince.entrySet().stream().sorted(Map.Entry.comparingByValue())
                    .limit(lastKnownUrls.size() - MAX_REMEMBERED).map(Map.Entry::getKey).toList()
                    .forEach(id -> {
                        missedSince.remove(id);
                        lastKnownUrls.remove(id);
                    });
        }
    }

    /** Marks this instance as stopping: others stop counting its agents; its requests are still reachable. */
    public void drain() {
        draining = true;
        beat();
    }

    /** Removes this instance's entry at once, so the others need not wait for it to expire. */
    public void leave() {
        try {
            store.call(redis -> {
                redis.del(MEMBER_KEY_PREFIX + instanceId);
                return redis.srem(MEMBERS_KEY, instanceId);
            });
        } catch (FailureException e) {
            // It expires by itself.
        }
    }

    /** Where the instance is reached, unless it left the cluster (by the last views). */
    public Optional<String> urlOf(String memberId) {
        Member member = members.get(memberId);
        if (member == null && !hasLeft(memberId) && !lastKnownUrls.containsKey(memberId)) {
            // Joined since the last beat, perhaps: read again before a call is refused.
            readAgainSoon();
            member = members.get(memberId);
        }
        if (member != null) {
            return Optional.of(member.internalUrl());
        }
        return hasLeft(memberId) ? Optional.empty() : Optional.ofNullable(lastKnownUrls.get(memberId));
    }

    /** Whether the instance was a member at the last beat. */
    public boolean isMember(String memberId) {
        return members.containsKey(memberId);
    }

    /**
     * Whether the instance was seen to leave the cluster (it died or stopped): missed by every
     * read for longer than the expiry. One not seen yet has not left.
     */
    public boolean hasLeft(String memberId) {
        Long missed = missedSince.get(memberId);
        return missed != null && System.nanoTime() - missed > expiry.toNanos();
    }

    /**
     * Whether an agent of the backend polls another instance that is not stopping.
     *
     * @throws FailureException CLUSTER_UNAVAILABLE while Redis is unreachable: the view may be stale
     */
    public boolean agentsElsewhere(String backendId) throws FailureException {
        if (!store.isReachable()) {
            throw store.unavailable();
        }
        if (agentsElsewhereInView(backendId)) {
            return true;
        }
        // An agent that just connected to another instance is in Redis before it is in this view
        // (up to a beat later): read again before a client is refused.
        readAgainSoon();
        if (!store.isReachable()) {
            throw store.unavailable();
        }
        return agentsElsewhereInView(backendId);
    }

    // At most every FRESH_READ, so refusals in a burst cost Redis one read, not one each.
    private void readAgainSoon() {
        long now = System.nanoTime();
        if (now - lastFreshRead > FRESH_READ_NANOS) {
            lastFreshRead = now;
            try {
                read();
            } catch (FailureException e) {
                // The view stays as it was; the store logs the outage.
            }
        }
    }

    private boolean agentsElsewhereInView(String backendId) {
        for (Member member : members.values()) {
            if (!member.instanceId().equals(instanceId) && !member.draining()
                    && member.backendsWithAgents().contains(backendId)) {
                return true;
            }
        }
        return false;
    }

    /** The members at the last beat, this one included. */
    public Collection<Member> all() {
        return List.copyOf(members.values());
    }

    private static Map<String, Member> parse(Object reply) {
        Map<String, Member> parsed = new HashMap<>();
        if (!(reply instanceof List<?> fields)) {
            return parsed;
        }
        for (int i = 0; i + 3 < fields.size(); i += 4) {
            String id = String.valueOf(fields.get(i));
            String backends = String.valueOf(fields.get(i + 2));
            Set<String> ids = backends.isBlank() ? Set.of() : new HashSet<>(Arrays.asList(backends.trim().split(" ")));
            parsed.put(id, new Member(id, String.valueOf(fields.get(i + 1)), ids, "1".equals(String.valueOf(fields.get(i + 3)))));
        }
        return parsed;
    }

    // One line per change of the membership, so an operator sees instances come and go.
    private void noteJoinsAndLeaves(Set<String> now) {
        Set<String> before = knownIds;
        if (before.equals(now)) {
            return;
        }
        List<String> joined = new ArrayList<>(now);
        joined.removeAll(before);
        List<String> left = new ArrayList<>(before);
        left.removeAll(now);
        knownIds = Set.copyOf(now);
        LOG.log(Level.INFO, "cluster members: " + now.size() + " (joined " + joined + ", left " + left + ")");
    }
}
