package net.invertingproxy.agent.forward;

/** How the answer to one forwarded request reached the proxy, as counted in the agent's metrics. */
public enum ExchangeOutcome {
    /** The backend's response was posted whole. */
    ANSWERED,
    /** The agent answered itself (400, 502, 503 or 504): the backend could not be asked or gave no response. */
    AGENT_ANSWERED,
    /** The response broke off mid-body, on the backend's side or the proxy's, and was posted as a broken upload. */
    BROKEN,
    /** Nothing was posted: the request could not be read, the proxy no longer waited, or the agent was stopping. */
    DROPPED;

    /** The label value in metrics, e.g. {@code agent_answered}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
