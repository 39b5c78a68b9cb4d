package net.invertingproxy.proxy.servlet;

import jakarta.servlet.http.HttpServletRequest;

import net.invertingproxy.protocol.RequestIds;
import net.invertingproxy.protocol.WireHeaders;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * Reads the protocol headers every agent call must carry, refusing missing or malformed ones with
 * 400, and checks the call's credential for the backend it names (401 or 403).
 */
final class AgentCallHeaders {
    private AgentCallHeaders() {
    }

    /** The backend the call names, once its credential is found valid for it. */
    static String authorizedBackendId(HttpServletRequest request, ProxyComponents components) throws FailureException {
        String backendId = backendId(request);
        String source = components.clientAddresses().clientAddress(ClientRequests.view(request));
        components.agentAuthenticator().check(backendId, request.getHeader("Authorization"), source);
        return backendId;
    }

    static String backendId(HttpServletRequest request) throws FailureException {
        String backendId = request.getHeader(WireHeaders.BACKEND_ID);
        if (backendId == null || backendId.isBlank()) {
            throw new FailureException(Failure.BAD_AGENT_CALL, "missing header " + WireHeaders.BACKEND_ID);
        }
        return backendId.trim();
    }

    /** The agent's key: {@code id:<its ID>} for our agent, else {@code address:<its address>} (the Go agent). */
    static String agentKey(HttpServletRequest request) {
        String agentId = request.getHeader(WireHeaders.AGENT_ID);
        return RequestIds.isWellFormed(agentId) ? "id:" + agentId : "address:" + request.getRemoteAddr();
    }

    /**
     * The agent's own ID as a key ({@code id:<its ID>}), or null for an agent that does not name
     * itself: an address is no identity (agents behind one NAT or load balancer share it), so only
     * named agents are held to answering only what they read.
     */
    static String namedAgentKey(HttpServletRequest request) {
        String agentId = request.getHeader(WireHeaders.AGENT_ID);
        return RequestIds.isWellFormed(agentId) ? "id:" + agentId : null;
    }

    static String requestId(HttpServletRequest request) throws FailureException {
        String requestId = request.getHeader(WireHeaders.REQUEST_ID);
        if (requestId == null) {
            throw new FailureException(Failure.BAD_AGENT_CALL, "missing header " + WireHeaders.REQUEST_ID);
        }
        if (!RequestIds.isWellFormed(requestId)) {
            throw new FailureException(Failure.BAD_AGENT_CALL, "malformed header " + WireHeaders.REQUEST_ID);
        }
        return requestId;
    }
}
