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
        public void offerAgain(String backendId, String requestId) {
            throw new UnsupportedOperationException("a single instance shares no queue");
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
     * Puts an ID handed out but never read back at the front, once only however often it is
     * called (an agent that took it died).
     *
     * @throws FailureException CLUSTER_UNAVAILABLE when the store is unreachable
     */
    void offerAgain(String backendId, String requestId) throws FailureException;

    /** Drops copies of an ID an agent now reads (one offered again may also still wait); best effort. */
    void taken(String backendId, String requestId);

    /**
     * Whether an agent of the backend polled another instance within {@code agent-offline-after-seconds}.
     *
     * @throws FailureException CLUSTER_UNAVAILABLE when the store is unreachable
     */
    boolean agentsElsewhere(String backendId) throws FailureException;
}
