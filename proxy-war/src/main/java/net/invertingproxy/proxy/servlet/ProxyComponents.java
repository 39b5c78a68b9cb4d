package net.invertingproxy.proxy.servlet;

import java.util.List;

import jakarta.servlet.ServletContext;

import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.proxy.access.ClientAddresses;
import net.invertingproxy.proxy.access.EndUserGate;
import net.invertingproxy.proxy.admin.BackendAdmin;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.cluster.ClusterNode;
import net.invertingproxy.proxy.config.ProxySettings;
import net.invertingproxy.proxy.credential.AdminAuthenticator;
import net.invertingproxy.proxy.credential.AgentAuthenticator;
import net.invertingproxy.proxy.dashboard.BackendTraffic;
import net.invertingproxy.proxy.inspect.ExchangeInspector;
import net.invertingproxy.proxy.limits.BackendLimiter;
import net.invertingproxy.proxy.login.AgentLogins;
import net.invertingproxy.proxy.metrics.ProxyMeters;
import net.invertingproxy.proxy.observe.BackendActivity;
import net.invertingproxy.proxy.observe.ExchangeListener;
import net.invertingproxy.proxy.registry.BackendRegistry;
import net.invertingproxy.proxy.tunnel.OpenTunnels;

/**
 * What the servlets of one web application share, created by {@link ProxyLifecycle} and kept in the
 * servlet context; {@code cluster} is null for a single instance.
 */
record ProxyComponents(ProxySettings settings, Broker<ParkedClient> broker, MessageReader messageReader,
                       StreamingSlots streamingSlots, List<ExchangeListener> exchangeListeners, ProxyMeters meters,
                       BackendRegistry registry, AgentAuthenticator agentAuthenticator, EndUserGate endUserGate,
                       ClientAddresses clientAddresses, BackendLimiter limiter, BackendActivity activity,
                       BackendAdmin backendAdmin, AdminAuthenticator adminAuthenticator, OpenTunnels openTunnels,
                       AgentLogins agentLogins, ExchangeInspector inspector, BackendTraffic traffic,
                       ClusterNode cluster) {
    private static final String ATTRIBUTE = ProxyComponents.class.getName();

    void storeIn(ServletContext context) {
        context.setAttribute(ATTRIBUTE, this);
    }

    static ProxyComponents of(ServletContext context) {
        ProxyComponents components = (ProxyComponents) context.getAttribute(ATTRIBUTE);
        if (components == null) {
            throw new IllegalStateException("ProxyLifecycle is not registered as a listener in web.xml");
        }
        return components;
    }
}
