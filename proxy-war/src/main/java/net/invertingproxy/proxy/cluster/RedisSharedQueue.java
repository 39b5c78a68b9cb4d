package net.invertingproxy.proxy.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import net.invertingproxy.proxy.broker.SharedQueue;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * The shared request queue as one Redis list of request IDs per backend. Offering an ID also
 * publishes a notice, so an instance holding a poll for the backend takes it at once.
 */
public final class RedisSharedQueue implements SharedQueue {
    static final String QUEUE_KEY_PREFIX = "inverting-proxy:queue:";

    // The bound is checked and the ID queued in one step, so concurrent instances never exceed it.
    private static final String OFFER = """
            if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
            redis.call('RPUSH', KEYS[1], ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[3])
            redis.call('PUBLISH', ARGV[4], ARGV[5])
            return 1
            """;
    // At the front, and never twice: a copy still waiting (nobody polled) is moved, not doubled.
    private static final String OFFER_AGAIN = """
            redis.call('LREM', KEYS[1], 0, ARGV[1])
            redis.call('LPUSH', KEYS[1], ARGV[1])
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            redis.call('PUBLISH', ARGV[3], ARGV[4])
            return 1
            """;

    private final ClusterStore store;
    private final ClusterMembers members;
    private final int maxQueued;
    private final Duration keyLifetime;

    /**
     * A queue of at most {@code maxQueued} IDs per backend; a list nobody offers to for
     * {@code keyLifetime} (longer than any request may wait) disappears by itself.
     */
    public RedisSharedQueue(ClusterStore store, ClusterMembers members, int maxQueued, Duration keyLifetime) {
        this.store = store;
        this.members = members;
        this.maxQueued = maxQueued;
        this.keyLifetime = keyLifetime;
    }

    @Override
    public boolean isShared() {
        return true;
    }

    @Override
    public void offer(String backendId, String requestId) throws FailureException {
        Object queued = store.call(redis -> redis.eval(OFFER, List.of(QUEUE_KEY_PREFIX + backendId),
                List.of(requestId, Integer.toString(maxQueued), Long.toString(keyLifetime.toMillis()),
                        ClusterNotices.CHANNEL, ClusterNotices.work(backendId))));
        if (!Long.valueOf(1).equals(queued)) {
            throw new FailureException(Failure.QUEUE_FULL);
        }
    }

    @Override
    public List<String> take(String backendId, int max) {
        List<String> taken;
        try {
            taken = store.call(redis -> redis.lpop(QUEUE_KEY_PREFIX + backendId, max));
        } catch (FailureException e) {
            return List.of();
        }
        if (taken == null) {
            return List.of();
        }
        // The request of an instance seen to leave died with it: its client is gone. One whose home
        // is merely not known yet (it joined a moment ago, or Redis restarted) is kept.
        List<String> live = new ArrayList<>(taken.size());
        for (String id : taken) {
            ClusterRequestIds.homeOf(id).filter(home -> !members.hasLeft(home)).ifPresent(home -> live.add(id));
        }
        return live;
    }

    @Override
    public void offerAgain(String backendId, String requestId) throws FailureException {
        store.call(redis -> redis.eval(OFFER_AGAIN, List.of(QUEUE_KEY_PREFIX + backendId),
                List.of(requestId, Long.toString(keyLifetime.toMillis()), ClusterNotices.CHANNEL,
                        ClusterNotices.work(backendId))));
    }

    @Override
    public void taken(String backendId, String requestId) {
        try {
            store.call(redis -> redis.lrem(QUEUE_KEY_PREFIX + backendId, 0, requestId));
        } catch (FailureException e) {
            // A copy left behind is refused 404 when an agent reads it; nothing is lost.
        }
    }

    @Override
    public boolean agentsElsewhere(String backendId) throws FailureException {
        return members.agentsElsewhere(backendId);
    }
}
