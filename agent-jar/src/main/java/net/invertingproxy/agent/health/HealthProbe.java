package net.invertingproxy.agent.health;

import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.nio.entity.DiscardingEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http.nio.support.BasicResponseConsumer;
import org.apache.hc.core5.util.Timeout;

/**
 * One health check made as the Go agent makes it with {@code http.Get}: a GET that follows
 * redirects, healthy only if the final answer is exactly 200. Unlike Go's, it gives up once its
 * timeout has passed, so a hung backend counts as unhealthy instead of stopping the checks.
 */
final class HealthProbe {
    // The redirects Go's http.Client follows for a GET, and its limit: the 10th redirect is an error.
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final int MAX_REQUESTS = 10;

    private final CloseableHttpAsyncClient client;
    private final HttpHost backend;
    private final String path;
    private final long timeoutNanos;

    HealthProbe(CloseableHttpAsyncClient client, HttpHost backend, String path, Duration timeout) {
        this.client = client;
        this.backend = backend;
        this.path = path;
        this.timeoutNanos = timeout.toNanos();
    }

    /** Runs one check; returns why it failed, or {@code null} if it passed. */
    String run() throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeoutNanos;
        HttpHost host = backend;
        String target = path;
        for (int request = 1; ; request++) {
            HttpResponse answer = get(host, target, deadline);
            Header location = answer.getFirstHeader(HttpHeaders.LOCATION);
            if (!REDIRECTS.contains(answer.getCode()) || location == null) {
                return answer.getCode() == 200 ? null : "status " + answer.getCode();
            }
            if (request == MAX_REQUESTS) {
                return "stopped after " + MAX_REQUESTS + " redirects";
            }
            URI next = URI.create(host.toURI() + target).resolve(location.getValue());
            host = HttpHost.create(next);
            target = next.getRawQuery() == null ? next.getRawPath() : next.getRawPath() + "?" + next.getRawQuery();
        }
    }

    private HttpResponse get(HttpHost host, String target, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new TimeoutException();
        }
        Timeout timeout = Timeout.of(left, TimeUnit.NANOSECONDS);
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(RequestConfig.custom()
                .setConnectionRequestTimeout(timeout)
                .setResponseTimeout(timeout)
                .setRedirectsEnabled(false)
                .setAuthenticationEnabled(false)
                .setProtocolUpgradeEnabled(false)
                .setContentCompressionEnabled(false)
                .build());
        // The answer's body, if any, is read and dropped; only its head counts.
        Future<Message<HttpResponse, Void>> answer = client.execute(new BasicRequestProducer("GET", host, target),
                new BasicResponseConsumer<>(new DiscardingEntityConsumer<>()), context, null);
        try {
            return answer.get(left, TimeUnit.NANOSECONDS).getHead();
        } finally {
            // An answer that is not done by now is abandoned, its connection closed rather than drained.
            answer.cancel(true);
        }
    }
}
