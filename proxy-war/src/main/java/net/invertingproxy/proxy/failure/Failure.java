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
    /** Every thread the proxy may use for moving bodies is busy. */
    STREAMING_AT_CAPACITY(503, "the proxy is moving as many bodies as it may"),
    /** The proxy is shutting down and takes no new work. */
    SHUTTING_DOWN(503, "the proxy is shutting down"),
    /** No agent started answering within the request timeout. */
    AGENT_TIMEOUT(504, "no agent answered in time"),
    /** The agent sent a response message that could not be parsed. */
    BAD_AGENT_RESPONSE(502, "the agent sent a malformed response"),
    /** The agent's connection broke before its response head was complete. */
    AGENT_GONE_BEFORE_ANSWER(502, "the agent went away before answering"),
    /** The agent's connection broke while it read the client's request. */
    AGENT_GONE_WHILE_READING(502, "the agent went away while reading the request"),
    /** The client's request body broke off or was malformed, so it could not be forwarded whole. */
    CLIENT_BODY_BROKEN(400, "the request body was cut short or malformed"),
    /** The container reported the client connection broken. */
    CLIENT_CONNECTION_FAILED(400, "the client connection failed"),

    // Answers to agents.
    /** A required protocol header is missing or malformed. */
    BAD_AGENT_CALL(400, "bad agent call"),
    /** The agent's response message could not be parsed. */
    MALFORMED_MESSAGE(400, "malformed response message"),
    /** More polls are held for the backend than allowed; the agent should back off. */
    TOO_MANY_POLLS(503, "too many polls are held for this backend"),
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
