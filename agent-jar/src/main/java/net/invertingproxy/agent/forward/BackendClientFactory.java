package net.invertingproxy.agent.forward;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.http.BackgroundRefreshingDnsResolver;
import net.invertingproxy.agent.http.CancellableExec;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.DefaultThreadFactory;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpRequestInterceptor;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Builds the asynchronous HttpClient that talks to the backend as a plain forwarder: it follows no
 * redirects, stores no cookies, decodes no content, adds no {@code User-Agent}, {@code Accept-Encoding}
 * or {@code Upgrade}, answers no authentication challenge, never retries and speaks HTTP/1.1 only, so
 * the backend sees the client's request and the client sees the backend's answer. Being asynchronous,
 * it holds no thread while a request waits for the backend; its I/O threads (one per core) serve
 * every connection.
 */
public final class BackendClientFactory {
    private static final int CONNECTION_BUFFER_BYTES = 8 * 1024;
    /** Name prefix of the client's I/O threads. */
    public static final String IO_THREAD_PREFIX = "agent-backend-io";
    // Health checks share the pool with the exchanges.
    private static final int SPARE_CONNECTIONS = 2;
    // A pooled connection idle this long is checked before reuse; without retries a stale one would be a 502.
    private static final TimeValue VALIDATE_AFTER_INACTIVITY = TimeValue.ofSeconds(1);
    // How long a pooled connection may stay idle before it is closed.
    private static final TimeValue IDLE_CONNECTION_LIFETIME = TimeValue.ofSeconds(30);
    private static final String CLIENT_SENT_NO_USER_AGENT = "inverting-proxy.client-sent-no-user-agent";

    private BackendClientFactory() {
    }

    /**
     * A started client whose connect and response-head timeouts, and the longest pause in a body
     * either way, are all {@code -backend-timeout}.
     */
    public static CloseableHttpAsyncClient create(AgentConfig config) {
        Timeout timeout = Timeout.of(config.backendTimeout());
        int connections = config.maxInFlight() + SPARE_CONNECTIONS;
        // Connections are opened on I/O threads and on the poll thread, which must not wait for DNS.
        BackgroundRefreshingDnsResolver.SHARED.warmUp(config.backendHost().getHostName());
        PoolingAsyncClientConnectionManager pool = PoolingAsyncClientConnectionManagerBuilder.create()
                .setDnsResolver(BackgroundRefreshingDnsResolver.SHARED)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(timeout)
                        .setSocketTimeout(timeout)
                        .setValidateAfterInactivity(VALIDATE_AFTER_INACTIVITY)
                        .build())
                // Otherwise a TLS backend offering h2 in ALPN would be spoken to in HTTP/2.
                .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
                .setMaxConnTotal(connections)
                .setMaxConnPerRoute(connections)
                .build();
        CloseableHttpAsyncClient client = HttpAsyncClients.custom()
                .setConnectionManager(pool)
                .setThreadFactory(new DefaultThreadFactory(IO_THREAD_PREFIX, true))
                // Backend heads (large cookies) may be as large as the heads the agent accepts from the proxy.
                // Each connection holds three buffers of this size, 32 KiB by default: at thousands of
                // requests waiting for the backend that was 100 KB each; bodies stream just as well.
                .setHttp1Config(Http1Config.custom().setMaxLineLength(config.maxHeaderBytes())
                        .setBufferSize(CONNECTION_BUFFER_BYTES).build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(timeout)
                        // Also the socket timeout while the bodies stream (the exec runtime applies it to the connection).
                        .setResponseTimeout(timeout)
                        .setRedirectsEnabled(false)
                        .setAuthenticationEnabled(false)
                        .setExpectContinueEnabled(false)
                        // Otherwise HttpClient adds "Upgrade: TLS/1.2" to plain-HTTP GET, HEAD and OPTIONS.
                        .setProtocolUpgradeEnabled(false)
                        .setContentCompressionEnabled(false)
                        .build())
                // The async builder has no switch for its default User-Agent: take back the one it adds.
                .addRequestInterceptorFirst(noteMissingUserAgent())
                .addRequestInterceptorLast(removeAddedUserAgent())
                .addExecInterceptorBefore(ChainElement.MAIN_TRANSPORT.name(), CancellableExec.NAME, new CancellableExec())
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableContentCompression()
                .disableAutomaticRetries()
                .disableAuthCaching()
                .disableConnectionState()
                // A burst leaves as many pooled connections as it had requests, three buffers each:
                // those left idle are closed rather than held for good.
                .evictIdleConnections(IDLE_CONNECTION_LIFETIME)
                .build();
        client.start();
        return client;
    }

    private static HttpRequestInterceptor noteMissingUserAgent() {
        return (request, entity, context) -> {
            if (!request.containsHeader(HttpHeaders.USER_AGENT)) {
                context.setAttribute(CLIENT_SENT_NO_USER_AGENT, Boolean.TRUE);
            }
        };
    }

    private static HttpRequestInterceptor removeAddedUserAgent() {
        return (request, entity, context) -> {
            if (Boolean.TRUE.equals(context.getAttribute(CLIENT_SENT_NO_USER_AGENT))) {
                request.removeHeaders(HttpHeaders.USER_AGENT);
            }
        };
    }
}
