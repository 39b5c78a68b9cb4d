package net.invertingproxy.proxy.failure;

/**
 * The one table of failures and the status each gives. Client-facing failures answer the client
 * whose request was parked; agent-facing ones answer the agent's call.
 */
public enum Failure {
    // Answers to clients.
    /** No agent has polled for the backend lately, so parking would only make the client wait. */
    NO_AGENT(503, "no agent is connected for this backend"),
    /** The backend's queue of waiting requests is full. */
    QUEUE_FULL(503, "too many requests are waiting for this backend"),
    /** The proxy holds as many exchanges as it may. */
    PROXY_AT_CAPACITY(503, "the proxy is at capacity"),
    /** The proxy is shutting down and takes no new work. */
    SHUTTING_DOWN(503, "the proxy is shutting down"),
    /** No agent started answering within the request timeout. */
    AGENT_TIMEOUT(504, "no agent answered in time"),
    /** The agent sent a response message that could not be parsed. */
    BAD_AGENT_RESPONSE(502, "the agent sent a malformed response"),
    /** The agent's connection broke before the response started. */
    AGENT_GONE(502, "the agent went away"),

    // Answers to agents.
    /** A required protocol header is missing or malformed. */
    BAD_AGENT_CALL(400, "bad agent call"),
    /** The agent's response message could not be parsed. */
    MALFORMED_MESSAGE(400, "malformed response message"),
    /** The backend ID is not served by this proxy. */
    UNKNOWN_BACKEND(404, "unknown backend"),
    /** The request ID is unknown, expired or already answered. */
    UNKNOWN_REQUEST(404, "unknown or already answered request"),
    /** The client went away before the answer could be delivered. */
    CLIENT_GONE(410, "the client went away");

    private final int status;
    private final String reason;

    Failure(int status, String reason) {
        this.status = status;
        this.reason = reason;
    }

    /** The HTTP status this failure answers with. */
    public int status() {
        return status;
    }

    /** The one-line reason sent with the status. */
    public String reason() {
        return reason;
    }
}
