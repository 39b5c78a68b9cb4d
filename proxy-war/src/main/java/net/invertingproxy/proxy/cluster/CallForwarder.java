package net.invertingproxy.proxy.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.util.Timeout;

import net.invertingproxy.protocol.BodyCopier;

/**
 * Streams an agent's call that names a request of another instance to that instance, and its
 * answer back, on the caller's container thread: the request body as it arrives, the answer as it
 * comes, each flushed whenever nothing more is at hand. A long-lived call (a tunnelled WebSocket
 * leg) holds that thread and one pooled connection for as long as it lasts.
 */
public final class CallForwarder implements AutoCloseable {
    // Hop-by-hop (RFC 9110 section 7.6.1) or set by each side's own HTTP stack.
    private static final Set<String> NOT_RELAYED = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect", "date", "server",
            ClusterCredential.SECRET_HEADER.toLowerCase(Locale.ROOT), ClusterCredential.CALLER_HEADER.toLowerCase(Locale.ROOT));
    // An instance that does not accept within this is taken for gone: the agent gets 502 at once.
    private static final Timeout CONNECT_TIMEOUT = Timeout.ofSeconds(2);
    // Every relayed call holds one connection: as many as container threads could ever relay.
    private static final int MAX_CONNECTIONS = 1024;

    // A home that vanishes without a reset (its host gone) is noticed by TCP keep-alive within
    // about 25 s, even on a tunnelled leg that is silent between frames.
    private static final SocketConfig SOCKETS = SocketConfig.custom()
            .setSoKeepAlive(true).setTcpKeepIdle(10).setTcpKeepInterval(5).setTcpKeepCount(3).build();

    private final CloseableHttpClient client;
    private final ClusterCredential credential;
    private final java.util.concurrent.Semaphore slots;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * A forwarder whose calls carry {@code credential}, relaying at most {@code maxRelayed} calls at
     * once: each holds a container thread for as long as it lasts (a tunnelled WebSocket leg, for
     * the socket's life), and a bound below the container's threads keeps polls and client
     * requests served when many cross instances.
     */
    public CallForwarder(ClusterCredential credential, int maxRelayed) {
        this.credential = credential;
        this.slots = new java.util.concurrent.Semaphore(maxRelayed);
        this.client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDefaultSocketConfig(SOCKETS)
                        .setMaxConnTotal(MAX_CONNECTIONS)
                        .setMaxConnPerRoute(MAX_CONNECTIONS)
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(CONNECT_TIMEOUT)
                                // A tunnelled leg may be silent between frames for as long as its peers allow.
                                .setSocketTimeout(Timeout.DISABLED)
                                .setValidateAfterInactivity(Timeout.ofSeconds(2))
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(CONNECT_TIMEOUT)
                        .setResponseTimeout(Timeout.DISABLED)
                        .build())
                // Bytes pass as they are: no decompression, no retry of a call that may have a body,
                // no redirect, no cookie of this hop's own.
                .disableContentCompression()
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .evictIdleConnections(Timeout.ofSeconds(30))
                .build();
    }

    /**
     * Relays the call to {@code target} (the home instance's internal URL plus the call's path
     * and query) and its answer to {@code answer}.
     *
     * @throws UnreachableHomeException nothing was answered yet: the home could not be reached or broke off first
     * @throws BodyCopier.SourceFailedException the home's answer broke off midway (the agent must see it break)
     * @throws IOException the agent went away, or its own body broke off
     */
    public void forward(URI target, HttpServletRequest call, HttpServletResponse answer) throws IOException {
        if (!slots.tryAcquire()) {
            throw new RelaysAtCapacityException();
        }
        inFlight.incrementAndGet();
        try {
            relay(target, call, answer);
        } finally {
            inFlight.decrementAndGet();
            slots.release();
        }
    }

    /** Calls being relayed now: a draining instance waits for them before it closes. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Every relay slot is taken: the agent should try again shortly. */
    public static final class RelaysAtCapacityException extends IOException {
        private static final long serialVersionUID = 1L;

        RelaysAtCapacityException() {
            super("every relay slot is taken");
        }
    }

    private void relay(URI target, HttpServletRequest call, HttpServletResponse answer) throws IOException {
        HttpUriRequestBase outbound = new HttpUriRequestBase(call.getMethod(), target);
        for (String name : Collections.list(call.getHeaderNames())) {
            if (!NOT_RELAYED.contains(name.toLowerCase(Locale.ROOT))) {
                for (String value : Collections.list(call.getHeaders(name))) {
                    outbound.addHeader(name, value);
                }
            }
        }
        outbound.setHeader(ClusterCredential.SECRET_HEADER, credential.headerValue());
        outbound.setHeader(ClusterCredential.CALLER_HEADER, call.getRemoteAddr());
        if (hasBody(call)) {
            outbound.setEntity(new RelayedBody(call.getInputStream(), call.getContentLengthLong(), call.getContentType()));
        }
        ClassicHttpResponse home = open(outbound);
        try {
            relayAnswer(home, answer);
        } catch (IOException | RuntimeException e) {
            // A connection with an answer half read must never go back to the pool.
            outbound.cancel();
            throw e;
        } finally {
            home.close();
        }
    }

    private ClassicHttpResponse open(HttpUriRequestBase outbound) throws IOException {
        try {
            return client.executeOpen(HttpHost.create(outbound.getUri()), outbound, HttpClientContext.create());
        } catch (BodyCopier.SourceFailedException e) {
            outbound.cancel();
            throw e;
        } catch (IOException e) {
            outbound.cancel();
            throw new UnreachableHomeException(outbound.getAuthority() + ": " + e.getMessage(), e);
        } catch (java.net.URISyntaxException e) {
            throw new UnreachableHomeException("bad internal URL: " + e.getMessage(), e);
        }
    }

    private static void relayAnswer(ClassicHttpResponse home, HttpServletResponse answer) throws IOException {
        answer.setStatus(home.getCode());
        for (Header header : home.getHeaders()) {
            if (!NOT_RELAYED.contains(header.getName().toLowerCase(Locale.ROOT))) {
                answer.addHeader(header.getName(), header.getValue());
            }
        }
        HttpEntity entity = home.getEntity();
        if (entity == null) {
            answer.flushBuffer();
            return;
        }
        if (entity.getContentLength() >= 0) {
            answer.setContentLengthLong(entity.getContentLength());
        }
        // The head goes out at once: an agent reading a tunnelled request waits for it.
        answer.flushBuffer();
        try (InputStream body = entity.getContent()) {
            BodyCopier.copy(body, answer.getOutputStream());
        }
    }

    private static boolean hasBody(HttpServletRequest call) {
        return call.getContentLengthLong() > 0 || call.getHeader("Transfer-Encoding") != null;
    }

    @Override
    public void close() {
        client.close(org.apache.hc.core5.io.CloseMode.IMMEDIATE);
    }
}
