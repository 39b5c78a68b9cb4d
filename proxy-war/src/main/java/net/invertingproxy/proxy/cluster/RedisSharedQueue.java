package net.invertingproxy.proxy.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import net.invertingproxy.proxy.broker.SharedQueue;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * The shared request queue in Redis, per backend: a list of the IDs waiting (and a set of them,
 * for constant-time membership), and a sorted set of the IDs agents took, by when. Offering an ID
 * also publishes a notice, so an instance holding a poll for the backend takes it at once. Every
 * step is one Lua script, so instances never see half of one; no step walks a list.
 */
public final class RedisSharedQueue implements SharedQueue {
    static final String QUEUE_KEY_PREFIX = "inverting-proxy:queue:";
    static final String WAITING_KEY_PREFIX = "inverting-proxy:waiting:";
    static final String TAKEN_KEY_PREFIX = "inverting-proxy:taken:";
    static final String CONFIRMED_KEY_PREFIX = "inverting-proxy:inline-confirmed:";

    // KEYS: queue, waiting set. ARGV: id, bound, lifetime ms, channel, notice.
    private static final String OFFER = """
            if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 0 end
            redis.call('RPUSH', KEYS[1], ARGV[1])
            redis.call('SADD', KEYS[2], ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
            redis.call('PUBLISH', ARGV[4], ARGV[5])
            return 1
            """;
    // KEYS: queue, waiting set, taken set. ARGV: count, lifetime ms. Takes from the front and notes
    // when; an ID no longer in the waiting set was withdrawn (its request ended) and is skipped;
    // taken entries older than the lifetime (read long ago, or never) are dropped on the way.
    private static final String TAKE = """
            local ids = redis.call('LPOP', KEYS[1], ARGV[1])
            if not ids then return {} end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local live = {}
            for _, id in ipairs(ids) do
              if redis.call('SREM', KEYS[2], id) == 1 then
                redis.call('ZADD', KEYS[3], now, id)
                table.insert(live, id)
              end
            end
            redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[2]))
            redis.call('PEXPIRE', KEYS[3], ARGV[2])
            return live
            """;
    // KEYS: queue, waiting set, taken set. ARGV: id, lifetime ms, channel, notice.
    private static final String GIVE_BACK = """
            redis.call('ZREM', KEYS[3], ARGV[1])
            if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
              redis.call('LPUSH', KEYS[1], ARGV[1])
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            redis.call('PEXPIRE', KEYS[2], ARGV[2])
            redis.call('PUBLISH', ARGV[3], ARGV[4])
            return 1
            """;
    // KEYS: queue, waiting set, taken set, confirmed key. ARGV: id, claim ms, lifetime ms, channel,
    // notice. Returns the confirming agent's key, 'waiting', 'recent', or 'offered'. An ID in none
    // of the sets was lost (Redis restarted empty) and is offered again too.
    private static final String OFFER_AGAIN = """
            local confirmed = redis.call('GET', KEYS[4])
            if confirmed then
              redis.call('ZREM', KEYS[3], ARGV[1])
              return confirmed
            end
            if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 'waiting' end
            local takenAt = redis.call('ZSCORE', KEYS[3], ARGV[1])
            if takenAt then
              local t = redis.call('TIME')
              local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
              if now - tonumber(takenAt) < tonumber(ARGV[2]) then return 'recent' end
              redis.call('ZREM', KEYS[3], ARGV[1])
            end
            redis.call('SADD', KEYS[2], ARGV[1])
            redis.call('LPUSH', KEYS[1], ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            redis.call('PEXPIRE', KEYS[2], ARGV[3])
            redis.call('PUBLISH', ARGV[4], ARGV[5])
            return 'offered'
            """;
    // KEYS: the confirmed keys. ARGV: agent key, lifetime ms.
    private static final String CONFIRM = """
            for _, key in ipairs(KEYS) do
              redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
            end
            return #KEYS
            """;

    private final ClusterStore store;
    private final ClusterMembers members;
    private final int maxQueued;
    private final Duration claimTimeout;
    private final Duration keyLifetime;

    /**
     * A queue of at most {@code maxQueued} IDs per backend whose takers have {@code claimTimeout}
     * to read them; keys nobody touches for {@code keyLifetime} (longer than any request may
     * wait) disappear by themselves.
     */
    public RedisSharedQueue(ClusterStore store, ClusterMembers members, int maxQueued, Duration claimTimeout,
                            Duration keyLifetime) {
        this.store = store;
        this.members = members;
        this.maxQueued = maxQueued;
        this.claimTimeout = claimTimeout;
        this.keyLifetime = keyLifetime;
    }

    @Override
    public boolean isShared() {
        return true;
    }

    @Override
    public void offer(String backendId, String requestId) throws FailureException {
        Object queued = store.call(redis -> redis.eval(OFFER, List.of(QUEUE_KEY_PREFIX + backendId,
                        WAITING_KEY_PREFIX + backendId),
                List.of(requestId, Integer.toString(maxQueued), lifetime(), ClusterNotices.CHANNEL,
                        ClusterNotices.work(backendId))));
        if (!Long.valueOf(1).equals(queued)) {
            throw new FailureException(Failure.QUEUE_FULL);
        }
    }

    @Override
    public List<String> take(String backendId, int max) {
        Object reply;
        try {
            reply = store.call(redis -> redis.eval(TAKE, keys(backendId), List.of(Integer.toString(max), lifetime())));
        } catch (FailureException e) {
            return List.of();
        }
        if (!(reply instanceof List<?> taken)) {
            return List.of();
        }
        // The request of an instance seen to leave died with it: its client is gone. One whose home
        // is merely not known yet (it joined a moment ago, or Redis restarted) is kept.
        List<String> live = new ArrayList<>(taken.size());
        for (Object entry : taken) {
            String id = String.valueOf(entry);
            ClusterRequestIds.homeOf(id).filter(home -> !members.hasLeft(home)).ifPresent(home -> live.add(id));
        }
        return live;
    }

    @Override
    public void giveBack(String backendId, String requestId) throws FailureException {
        store.call(redis -> redis.eval(GIVE_BACK, keys(backendId), List.of(requestId, lifetime(),
                ClusterNotices.CHANNEL, ClusterNotices.work(backendId))));
    }

    @Override
    public String offerAgain(String backendId, String requestId) throws FailureException {
        List<String> keys = new ArrayList<>(keys(backendId));
        keys.add(CONFIRMED_KEY_PREFIX + requestId);
        Object outcome = store.call(redis -> redis.eval(OFFER_AGAIN, keys, List.of(requestId,
                Long.toString(claimTimeout.toMillis()), lifetime(), ClusterNotices.CHANNEL, ClusterNotices.work(backendId))));
        String answer = String.valueOf(outcome);
        return answer.startsWith("id:") || answer.startsWith("address:") ? answer : null;
    }

    @Override
    public void taken(String backendId, String requestId) {
        try {
            store.call(redis -> redis.zrem(TAKEN_KEY_PREFIX + backendId, requestId));
        } catch (FailureException e) {
            // The entry ages out with the taken set's lifetime; the home never offers a read ID again.
        }
    }

    @Override
    public void confirmInline(String agentKey, Set<String> requestIds) {
        if (requestIds.isEmpty()) {
            return;
        }
        List<String> keys = requestIds.stream().map(id -> CONFIRMED_KEY_PREFIX + id).toList();
        try {
            store.call(redis -> redis.eval(CONFIRM, keys, List.of(agentKey, lifetime())));
        } catch (FailureException e) {
            // The notice may still reach the home; else the claim timeout hands the request out again.
        }
    }

    @Override
    public void withdraw(String backendId, String requestId) {
        try {
            store.call(redis -> redis.srem(WAITING_KEY_PREFIX + backendId, requestId));
        } catch (FailureException e) {
            // An agent may read it and get 404; nothing else is lost.
        }
    }

    @Override
    public boolean agentsElsewhere(String backendId) throws FailureException {
        return members.agentsElsewhere(backendId);
    }

    private static List<String> keys(String backendId) {
        return List.of(QUEUE_KEY_PREFIX + backendId, WAITING_KEY_PREFIX + backendId, TAKEN_KEY_PREFIX + backendId);
    }

    private String lifetime() {
        return Long.toString(keyLifetime.toMillis());
    }
}
