package net.invertingproxy.agent.poll;

/** Told how each poll of the proxy went, for the agent's metrics; called on the poll thread. */
public interface PollListener {
    /** A listener that ignores everything. */
    PollListener NONE = new PollListener() {
        @Override
        public void pollAnswered(int requestIds) {
        }

        @Override
        public void pollFailed() {
        }

        @Override
        public void reconnected() {
        }
    };

    /** The proxy answered a poll with this many request IDs (0 after a quiet long poll). */
    void pollAnswered(int requestIds);

    /** A poll failed: the proxy could not be reached or gave a bad answer; the loop backs off. */
    void pollFailed();

    /** The proxy answered again after one or more failed polls. */
    void reconnected();
}
