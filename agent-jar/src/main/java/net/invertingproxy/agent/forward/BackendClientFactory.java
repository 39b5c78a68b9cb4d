package net.invertingproxy.agent.forward;

import net.invertingproxy.agent.config.AgentConfig;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Builds the HttpClient that talks to the backend as a plain forwarder: it follows no redirects,
 * stores no cookies, decodes no content, adds no {@code User-Agent}, {@code Accept-Encoding} or
 * {@code Upgrade}, answers no authentication challenge and never retries, so the backend sees the
 * client's request and the client sees the backend's answer.
 */
public final class BackendClientFactory {
    // Health checks share the pool with the exchanges.
    private static final int SPARE_CONNECTIONS = 2;
    // A pooled connection idle this long is checked before reuse; without retries a stale one would be a 502.
    private static final TimeValue VALIDATE_AFTER_INACTIVITY = TimeValue.ofSeconds(1);

    private BackendClientFactory() {
    }

    /** A client whose connect, response-head and idle-read timeouts are all {@code -backend-timeout}. */
    public static CloseableHttpClient create(AgentConfig config) {
        Timeout timeout = Timeout.of(config.backendTimeout());
        int connections = config.maxInFlight() + SPARE_CONNECTIONS;
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(timeout)
                        .setSocketTimeout(timeout)
                        .setValidateAfterInactivity(VALIDATE_AFTER_INACTIVITY)
                        .build())
                .setMaxConnTotal(connections)
                .setMaxConnPerRoute(connections)
                .build();
        return HttpClients.custom()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(timeout)
                        // Also the socket timeout while the body streams (MainClientExec applies it to the connection).
                        .setResponseTimeout(timeout)
                        .setRedirectsEnabled(false)
                        .setAuthenticationEnabled(false)
                        .setExpectContinueEnabled(false)
                        // Otherwise HttpClient adds "Upgrade: TLS/1.2" to plain-HTTP GET, HEAD and OPTIONS.
                        .setProtocolUpgradeEnabled(false)
                        .setContentCompressionEnabled(false)
                        .build())
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableContentCompression()
                .disableAutomaticRetries()
                .disableAuthCaching()
                .disableDefaultUserAgent()
                .disableConnectionState()
                .build();
    }
}
