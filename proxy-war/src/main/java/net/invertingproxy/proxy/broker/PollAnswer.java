package net.invertingproxy.proxy.broker;

import java.util.List;

/** Where a held poll's answer goes: the request IDs handed to that agent, possibly none. */
public interface PollAnswer {
    /** Sends the IDs to the agent. Called at most once. */
    void answer(List<String> requestIds);
}
