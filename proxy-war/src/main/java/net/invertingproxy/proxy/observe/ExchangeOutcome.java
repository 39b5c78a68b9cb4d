package net.invertingproxy.proxy.observe;

/** How an exchange ended, as the client experienced it. */
public enum ExchangeOutcome {
    /** The backend's answer reached the client whole. */
    ANSWERED,
    /** The proxy answered with an error status of its own (no agent, timeout, capacity...). */
    REFUSED,
    /** The connection to the client was broken off mid-response (the agent vanished). */
    ABORTED,
    /** The client went away before the exchange ended. */
    CLIENT_GONE
}
