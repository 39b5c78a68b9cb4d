package net.invertingproxy.proxy.broker;

/** Where an exchange is in its life; it only ever moves forward, and DONE is final. */
public enum ExchangeState {
    /** Waiting for a poll to take it. */
    QUEUED,
    /** Its ID was given to an agent, which has not read it yet. */
    HANDED_OUT,
    /** An agent is reading the client's request. */
    READING,
    /** An agent's response is streaming to the client; timeouts no longer apply. */
    RESPONDING,
    /** Finished, one way or another; nothing more happens to it. */
    DONE
}
