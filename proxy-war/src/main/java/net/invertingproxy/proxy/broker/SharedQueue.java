package net.invertingproxy.proxy.broker;

import java.util.List;

import net.invertingproxy.proxy.failure.FailureException;

/**
 * The request queue that several proxy instances share (docs/scale-out.md): an instance whose own
 * agents hold no poll offers a parked request's ID there, and a poll on any instance takes it.
 * Only IDs pass through it; bodies stream from the instance that holds the client.
 */
public interface SharedQueue {
    /** A single instance: nothing is shared, every request waits in its own broker. */
    SharedQueue NONE = new SharedQueue() {
        @Override
        public boolean isShared() {
            return false;
        }

        @Override
        public void offer(String backendId, String requestId) {
            throw new UnsupportedOperationException("a single instance shares no queue");
        }

        @Override
        public List<String> take(String backendId, int max) {
            return List.of();
        }

        @Override
        public void giveBack(String backendId, String requestId) {
            throw new UnsupportedOperationException("a single instance shares no queue");
        }

        @Override
        public String offerAgain(String backendId, String requestId) {
            throw new UnsupportedOperationException("a single instance shares no queue");
        }

        @Override
        public void confirmInline(String agentKey, java.util.Set<String> requestIds) {
        }

        @Override
        public void withdraw(String backendId, String requestId) {
        }

        @Override
        public void taken(String backendId, String requestId) {
        }

        @Override
        public boolean agentsElsewhere(String backendId) {
            return false;
        }
    };

    /** Whether other instances share this queue (false for {@link #NONE}). */
    boolean isShared();

    /**
     * Queues the ID at the back for whichever instance's agent polls next.
     *
     * @throws FailureException QUEUE_FULL at the backend's bound, CLUSTER_UNAVAILABLE when the store is unreachable
     */
    void offer(String backendId, String requestId) throws FailureException;

    /** Takes up to {@code max} IDs from the front; none when the store is unreachable. */
    List<String> take(String backendId, int max);

    /**
     * Puts an ID this instance took but could not hand to a poll back at the front, at once.
     *
     * @throws FailureException CLUSTER_UNAVAILABLE when the store is unreachable
     */
    void giveBack(String backendId, String requestId) throws FailureException;

    /**
     * For an ID whose claim timeout passed at home: puts it back at the front only if an agent took
     * it longer than the claim timeout ago and neither read it nor confirmed taking it inline (that
     * agent likely died); an ID still waiting stays where it is. Returns the key of the agent that
     * confirmed taking it inline, if one did, else null.
     *
     * @throws FailureException CLUSTER_UNAVAILABLE when the store is unreachable
     */
    String offerAgain(String backendId, String requestId) throws FailureException;

    /** Notes that an agent reads the ID at its home now, so it is never offered again; best effort. */
    void taken(String backendId, String requestId);

    /** Notes that the agent took these IDs inline (its poll says so), for their home instances; best effort. */
    void confirmInline(String agentKey, java.util.Set<String> requestIds);

    /** Withdraws an ID whose request ended while it waited: a take skips it; best effort. */
    void withdraw(String backendId, String requestId);

    /**
     * Whether an agent of the backend polled another instance within {@code agent-offline-after-seconds}.
     *
     * @throws FailureException CLUSTER_UNAVAILABLE when the store is unreachable
     */
    boolean agentsElsewhere(String backendId) throws FailureException;
}
