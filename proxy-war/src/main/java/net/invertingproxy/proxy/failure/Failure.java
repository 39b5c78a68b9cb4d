package net.invertingproxy.proxy.failure;

/**
 * The one table of failures and the status each gives. Client-facing failures answer the client
 * whose request was parked; agent-facing ones answer the agent's call.
 */
public enum Failure {
    // Answers to clients.
    /** No backend has a route for the request's host and path; nothing is parked. */
    NO_ROUTE(404, "no backend serves this host and path"),
    /**
     * The path reads differently once normalised (dot segments, {@code ;params}, {@code //},
     * encoded characters) and would go to another route, or climbs above the root; nothing is parked.
     */
    AMBIGUOUS_PATH(400, "ambiguous request path"),
    /**
     * The request's framing headers could be read two ways (both Content-Length and
     * Transfer-Encoding, several lengths, chunking in HTTP/1.0); nothing is parked and the
     * connection is closed, since where its body ends is unknown.
     */
    AMBIGUOUS_FRAMING(400, "ambiguous request framing"),
    /** The request's body has a transfer coding other than chunked alone, which the proxy cannot pass on. */
    UNSUPPORTED_TRANSFER_CODING(501, "unsupported transfer coding"),
    /** The request has more header fields than the proxy forwards. */
    TOO_MANY_HEADERS(431, "too many header fields"),
    /** The backend's access policy needs credentials the client did not give, or gave wrong. */
    USER_UNAUTHENTICATED(401, "authentication required"),
    /** The client is known but not allowed (its address is outside the backend's allow-list). */
    USER_FORBIDDEN(403, "access denied"),
    /** The backend's limit of requests in flight or per second is reached. */
    BACKEND_RATE_LIMITED(429, "too many requests for this backend"),
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
    /** As many WebSocket handshakes as may hold a thread are waiting for their backends. */
    HANDSHAKES_AT_CAPACITY(503, "too many WebSocket handshakes are waiting for their backends"),
    /** The backend switched protocols, but the container could not switch the client's connection. */
    SWITCH_FAILED(502, "the connection could not be switched to the backend's protocol"),
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
    /** The agent sent no credential, or one that is not valid. */
    AGENT_UNAUTHENTICATED(401, "agent credential missing or invalid"),
    /** The agent's credential is valid but for another backend. */
    AGENT_FORBIDDEN(403, "the agent credential is not valid for this backend"),
    /** An AWS login that proves nothing: not signed for this proxy, refused by STS, or for a backend without AWS logins. */
    AGENT_LOGIN_REFUSED(401, "AWS login refused"),
    /** The AWS identity is proven but may not serve the backend (account, role or tag). */
    AGENT_LOGIN_FORBIDDEN(403, "this AWS identity may not serve this backend"),
    /** The backend takes only AWS-verified agents, and the call carries its shared agent credential. */
    AWS_IDENTITY_REQUIRED(403, "this backend requires an AWS-verified agent (POST agent/login)"),
    /** STS or IAM could not be asked, or answered too slowly: a new agent is refused, admitted ones are not disturbed. */
    AWS_UNAVAILABLE(503, "AWS could not verify the login; try again later"),
    /** As many AWS logins as may hold a container thread are waiting for STS or IAM; the agent should back off. */
    LOGINS_AT_CAPACITY(503, "too many AWS logins are being checked at once; try again shortly"),
    /** The proxy is not set up for AWS logins (aws-server-id, aws-region or aws-iam-account missing). */
    AWS_LOGIN_NOT_CONFIGURED(503, "AWS logins are not configured on this proxy"),
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
    CLIENT_GONE(410, "the client went away"),

    // Answers to admin API callers.
    /** The admin API is off: no admin-token is set. */
    ADMIN_API_OFF(404, "the admin API is off (set admin-token)"),
    /** No admin credential, or a wrong one. */
    ADMIN_UNAUTHENTICATED(401, "admin credential missing or invalid"),
    /** The admin call's JSON or one of its fields is not acceptable. */
    BAD_ADMIN_REQUEST(400, "bad admin request"),
    /** The admin call's body is beyond the size any backend description needs. */
    ADMIN_BODY_TOO_LARGE(413, "the body is too large"),
    /** The named backend does not exist. */
    NO_SUCH_BACKEND(404, "no such backend"),
    /** The change conflicts with what is stored (ID taken, registry full, key limit). */
    REGISTRY_CONFLICT(409, "conflict with the stored backends"),
    /** The method is not one the admin resource takes. */
    ADMIN_METHOD_NOT_ALLOWED(405, "method not allowed"),
    /** The dashboard's call lacks the header that only the dashboard's own page sends. */
    DASHBOARD_HEADER_MISSING(403, "dashboard calls that change anything must come from the dashboard page"),
    /** The inspected exchange is no longer kept (or never was). */
    NO_SUCH_EXCHANGE(404, "no such inspected exchange (it may have been pushed out by newer ones)"),
    /** The inspected exchange's request body was not kept whole, so it cannot be sent again as it was. */
    NOT_REPLAYABLE(409, "the request body was not kept whole (raise the backend's inspector.bodyBytes to replay it)"),
    /** No agent of this instance can take the request, and the shared queue (Redis) is unreachable. */
    CLUSTER_UNAVAILABLE(503, "the cluster's shared state (Redis) is unreachable and no agent is connected to this instance"),
    /** A call names a request whose instance left the cluster (it died or was stopped). */
    INSTANCE_GONE(502, "the proxy instance holding this request is gone"),
    /** A call names a request of another instance, which could not be reached. */
    INSTANCE_UNREACHABLE(502, "the proxy instance holding this request could not be reached"),
    /** As many calls are relayed to other instances as may hold container threads. */
    RELAYS_AT_CAPACITY(503, "this instance relays as many calls to other instances as it may"),
    /** A call carries the cluster's header with a wrong secret: it comes from outside. */
    CLUSTER_FORBIDDEN(403, "not a call of this cluster"),
    /** The registry file could not be written; nothing was changed. */
    REGISTRY_WRITE_FAILED(500, "the registry could not be saved; nothing was changed"),
    /**
     * The store that the instances of a cluster share the registry in (Redis) cannot be reached; the
     * detail names the cause. Serving goes on from the last copy; the caller may try again later.
     */
    REGISTRY_UNAVAILABLE(503, "the shared registry (Redis) is unreachable");

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
