package net.invertingproxy.agent.forward;

import java.util.concurrent.Executor;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.proxy.ProxyClient;
import net.invertingproxy.agent.tunnel.BackendSocketFactory;
import net.invertingproxy.agent.tunnel.WebSocketPinger;

import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;

/**
 * What every exchange shares: the configuration, the clients of both sides, the factory of backend
 * requests and the threads that move bytes (an exchange takes one only while it reads, uploads or
 * posts, or for each direction of a WebSocket tunnel; a task it is given may be refused while the
 * agent stops), the sockets and keep-alive pings of tunnels, and the listener told how each went.
 */
record ExchangeServices(AgentConfig config, ProxyClient proxy, CloseableHttpAsyncClient backend,
                        BackendRequestFactory backendRequests, BackendSocketFactory backendSockets,
                        WebSocketPinger pinger, Executor threads, ExchangeListener listener) {
}
