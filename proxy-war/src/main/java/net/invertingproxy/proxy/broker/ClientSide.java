package net.invertingproxy.proxy.broker;

import net.invertingproxy.proxy.failure.Failure;

/** The client end of an exchange, as the broker needs it: something it can answer with a failure. */
public interface ClientSide {
    /** Answers the client with the failure's status and reason and ends its request. Called at most once. */
    void fail(Failure failure, String reason);

    /** An agent said on a poll that landed on another instance that it took this request inline. */
    default void inlineConfirmedElsewhere() {
    }
}
