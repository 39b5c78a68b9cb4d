package net.invertingproxy.proxy.broker;

import java.util.List;

/** Where a held poll's answer goes: the request IDs handed to that agent, possibly none. */
public interface PollAnswer {
    /** Sends the IDs to the agent. Called at most once. */
    void answer(List<String> requestIds);

    /** The most requests one answer may hand out; the rest wait for the agent's next poll. */
    default int maxRequests() {
        return BackendQueue.MAX_IDS_PER_ANSWER;
    }
}
