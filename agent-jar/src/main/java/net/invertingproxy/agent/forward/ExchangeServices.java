package net.invertingproxy.agent.forward;

import java.util.concurrent.Executor;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.proxy.ProxyClient;

import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;

/**
 * What every exchange shares: the configuration, the clients of both sides, the factory of backend
 * requests and the threads that move bytes (an exchange takes one only while it reads, uploads or
 * posts; a task it is given may be refused while the agent stops), and the listener told how each went.
 */
record ExchangeServices(AgentConfig config, ProxyClient proxy, CloseableHttpAsyncClient backend,
                        BackendRequestFactory backendRequests, Executor threads, ExchangeListener listener) {
}
