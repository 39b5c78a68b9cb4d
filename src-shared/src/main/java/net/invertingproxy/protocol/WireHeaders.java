package net.invertingproxy.protocol;

/** Header names of the inverting-proxy wire protocol, as spoken by Google's Go proxy and agent. */
public final class WireHeaders {
    /** Sent by the agent on every call: the backend it serves. */
    public static final String BACKEND_ID = "X-Inverting-Proxy-Backend-ID";
    /** Sent by the agent on a request read or a response: which parked request it is about. */
    public static final String REQUEST_ID = "X-Inverting-Proxy-Request-ID";
    /** Sent by the proxy on a request read: when the client request arrived, RFC 3339 with nanoseconds. */
    public static final String REQUEST_START_TIME = "X-Inverting-Proxy-Request-Start-Time";
    /** Sent by the proxy on a request read: the verified end user, which the agent may pass to the backend. */
    public static final String USER_ID = "X-Inverting-Proxy-User-ID";
    /** Optionally sent by the agent: a platform identity token of its machine. */
    public static final String VM_ID = "X-Inverting-Proxy-VM-ID";
    /**
     * Sent by our agent (an extension; the Go agent sends none): a random ID per agent process, so
     * the proxy can tell apart several agents behind one address.
     */
    public static final String AGENT_ID = "X-Inverting-Proxy-Agent-ID";
    /**
     * Sent by our agent on {@code GET agent/pending} (an extension; the Go agent sends none): with
     * {@value #INLINE_POLL_MODE}, the poll answer may carry whole bodiless requests, saving the
     * agent a {@code GET agent/request} for each.
     */
    public static final String POLL_MODE = "X-Inverting-Proxy-Poll-Mode";
    /**
     * Sent by our agent on the poll after one whose answer carried requests inline: the IDs of
     * those it took on (started, or answered 503 itself), separated by spaces. The proxy hands
     * the others out again at once; they never reached the agent or it dropped them.
     */
    public static final String INLINE_ACK = "X-Inverting-Proxy-Inline-Ack";
    /**
     * Sent by our agent on {@code GET agent/request} (an extension): {@value #WEBSOCKET} says it
     * can tunnel WebSockets. The proxy answers with the same header and value when it sends an
     * upgrade request as such: the client's connection then continues after the message head.
     */
    public static final String UPGRADE = "X-Inverting-Proxy-Upgrade";
    /** The {@link #UPGRADE} value for WebSockets (RFC 6455), the one protocol tunnelled. */
    public static final String WEBSOCKET = "websocket";
    /** The {@link #POLL_MODE} value asking for requests inline. */
    public static final String INLINE_POLL_MODE = "inline";
    /** Content type of the response message the agent posts; the Go agent sends exactly this. */
    public static final String RESPONSE_MESSAGE_CONTENT_TYPE = "text/plain";

    private WireHeaders() {
    }
}
