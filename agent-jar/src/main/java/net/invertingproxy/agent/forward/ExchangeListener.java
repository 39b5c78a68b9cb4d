package net.invertingproxy.agent.forward;

import java.time.Duration;

/**
 * Told how each forwarded request went, for the agent's metrics. Called on the threads that move
 * the exchange, HttpClient's I/O thread among them, so implementations must be quick and never block.
 */
public interface ExchangeListener {
    /** A listener that ignores everything. */
    ExchangeListener NONE = new ExchangeListener() {
        @Override
        public void backendAnswered(Duration latency) {
        }

        @Override
        public void exchangeEnded(ExchangeOutcome outcome, int status) {
        }
    };

    /** The backend's response head arrived {@code latency} after the request was sent to it. */
    void backendAnswered(Duration latency);

    /** An exchange's answer side ended; {@code status} is the status posted, or 0 if none was. */
    void exchangeEnded(ExchangeOutcome outcome, int status);
}
