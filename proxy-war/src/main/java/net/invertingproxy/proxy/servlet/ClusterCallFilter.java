package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.util.Optional;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.protocol.BodyCopier;
import net.invertingproxy.protocol.WireHeaders;
import net.invertingproxy.proxy.cluster.CallForwarder;
import net.invertingproxy.proxy.cluster.ClusterCredential;
import net.invertingproxy.proxy.cluster.ClusterNode;
import net.invertingproxy.proxy.cluster.ClusterRequestIds;
import net.invertingproxy.proxy.cluster.UnreachableHomeException;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * The cluster's edge (docs/scale-out.md). An agent's call that names a request of another instance
 * ({@code agent/request}, {@code agent/response}) is streamed to that instance; a call relayed by
 * another instance is believed only with the cluster secret, and anything carrying a wrong one is
 * refused 403. A single instance lets every call through untouched.
 */
public final class ClusterCallFilter extends HttpFilter {
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger(ClusterCallFilter.class.getName());
    private static final Set<String> NAMED_CALLS = Set.of("/agent/request", "/agent/response");

    private transient ProxyComponents components;
    private transient ConnectionBreaker connectionBreaker;

    @Override
    public void init() {
        components = ProxyComponents.of(getServletContext());
        connectionBreaker = ConnectionBreaker.forContainerOf(ClusterCallFilter.class.getClassLoader());
    }

    @Override
    protected void doFilter(HttpServletRequest call, HttpServletResponse answer, FilterChain chain)
            throws IOException, ServletException {
        ClusterNode cluster = components.cluster();
        if (cluster == null) {
            chain.doFilter(call, answer);
            return;
        }
        boolean relayed = call.getHeader(ClusterCredential.SECRET_HEADER) != null
                || call.getHeader(ClusterCredential.CALLER_HEADER) != null;
        if (relayed && !cluster.credential().accepts(call.getHeader(ClusterCredential.SECRET_HEADER))) {
            LOG.log(Level.WARNING, "refused a call from {0} to {1} with a wrong cluster secret",
                    call.getRemoteAddr(), call.getRequestURI());
            ErrorResponses.send(answer, Failure.CLUSTER_FORBIDDEN.status(), Failure.CLUSTER_FORBIDDEN.reason(), true);
            return;
        }
        Optional<String> home = NAMED_CALLS.contains(call.getServletPath())
                ? ClusterRequestIds.homeOf(call.getHeader(WireHeaders.REQUEST_ID)) : Optional.empty();
        if (home.isEmpty() || home.get().equals(cluster.instanceId())) {
            chain.doFilter(relayed ? new RelayedCall(call) : call, answer);
            return;
        }
        if (relayed) {
            // Relayed once already: the sender's view of the members is wrong, and relaying again could loop.
            ErrorResponses.send(answer, Failure.UNKNOWN_REQUEST.status(), "request is not held by this instance", true);
            return;
        }
        relay(home.get(), call, answer);
    }

    // The agent's credential is checked here as at home: an outsider's call costs no hop.
    private void relay(String home, HttpServletRequest call, HttpServletResponse answer) throws IOException {
        try {
            AgentCallHeaders.authorizedBackendId(call, components);
        } catch (FailureException e) {
            ErrorResponses.send(answer, e.status(), e.getMessage(), true);
            return;
        }
        ClusterNode cluster = components.cluster();
        Optional<String> base = cluster.members().urlOf(home);
        if (base.isEmpty()) {
            components.meters().clusterCallRelayed("gone");
            ErrorResponses.send(answer, Failure.INSTANCE_GONE.status(), Failure.INSTANCE_GONE.reason()
                    + " (instance " + home + ")", true);
            return;
        }
        URI target = URI.create(base.get() + call.getServletPath().substring(1)
                + (call.getQueryString() == null ? "" : "?" + call.getQueryString()));
        try {
            components.meters().clusterCallRelayed("relayed");
            cluster.forwarder().forward(target, call, answer);
        } catch (CallForwarder.RelaysAtCapacityException e) {
            LOG.log(Level.WARNING, "every relay slot is busy; a call for instance {0} answered 503", home);
            ErrorResponses.send(answer, Failure.RELAYS_AT_CAPACITY.status(), Failure.RELAYS_AT_CAPACITY.reason(),
                    java.util.Map.of("Retry-After", "1", "Connection", "close"));
        } catch (UnreachableHomeException e) {
            components.meters().clusterCallRelayed("unreachable");
            LOG.log(Level.WARNING, "relaying {0} to instance {1} failed: {2}", call.getServletPath(), home, e.getMessage());
            if (!answer.isCommitted()) {
                ErrorResponses.send(answer, Failure.INSTANCE_UNREACHABLE.status(), Failure.INSTANCE_UNREACHABLE.reason()
                        + " (instance " + home + ")", true);
            }
        } catch (BodyCopier.SourceFailedException e) {
            // The home's answer broke off: the agent must see it break too, not a complete-looking end.
            connectionBreaker.breakConnection(answer, "instance " + home + " broke off: " + e.getMessage());
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "agent went away while its call was relayed to {0}: {1}", home, e.getMessage());
            if (!answer.isCommitted()) {
                ErrorResponses.send(answer, Failure.BAD_AGENT_CALL.status(), "the call broke off: " + e.getMessage(), true);
            }
        }
    }

    /** A call another instance relayed: its caller's address is the one that instance saw. */
    private static final class RelayedCall extends HttpServletRequestWrapper {
        RelayedCall(HttpServletRequest call) {
            super(call);
        }

        @Override
        public String getRemoteAddr() {
            String caller = getHeader(ClusterCredential.CALLER_HEADER);
            return caller == null || caller.isBlank() ? super.getRemoteAddr() : caller;
        }

        @Override
        public String getRemoteHost() {
            return getRemoteAddr();
        }
    }
}
