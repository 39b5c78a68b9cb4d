package net.invertingproxy.agent.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.http.AbortableRequest;
import net.invertingproxy.agent.http.BackgroundRefreshingDnsResolver;
import net.invertingproxy.agent.http.CancellableExec;
import net.invertingproxy.agent.http.Responses;
import net.invertingproxy.protocol.AgentLogin;
import net.invertingproxy.protocol.MalformedMessageException;
import net.invertingproxy.protocol.PendingRequests;
import net.invertingproxy.protocol.RequestIds;
import net.invertingproxy.protocol.WireHeaders;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.cookie.CookieStore;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.concurrent.DefaultThreadFactory;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.support.BasicRequestProducer;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Makes the agent calls of the wire protocol: polls ({@code agent/pending}) and request reads
 * ({@code agent/request}) with a pooled classic HttpClient, and response posts ({@code
 * agent/response}) with a pooled asynchronous one, so that a response streaming from the backend
 * to the proxy holds no thread. Every call carries the backend-ID header; a status other than 200
 * is a {@link ProxyStatusException}. Both clients keep the cookies the proxy's side sets (a load
 * balancer's stickiness cookie) in one bounded {@link ProxyCookieStore} and send them back on every
 * call, so that all of the agent's calls reach the same proxy instance.
 */
public final class ProxyClient implements ModalCloseable {
    private static final String PENDING = "agent/pending";
    private static final String REQUEST = "agent/request";
    private static final String RESPONSE = "agent/response";
    // Room for every exchange's read and a failure answer posted meanwhile, the 503 answers of a
    // burst beyond -max-in-flight, and the poll: a poll waiting for a free connection would stall all.
    private static final int CONNECTIONS_PER_EXCHANGE = 2;
    private static final int REJECTION_CONNECTIONS = 16;
    private static final int SPARE_CONNECTIONS = 4;
    private static final int MAX_REASON_BYTES = PostAnswerConsumer.MAX_REASON_BYTES;
    // Each post connection holds three buffers of this size; thousands of answers may be under way at once.
    private static final int POST_CONNECTION_BUFFER_BYTES = 8 * 1024;
    // A burst of answers leaves as many pooled post connections behind; those left idle are closed.
    private static final TimeValue IDLE_POST_CONNECTION_LIFETIME = TimeValue.ofSeconds(30);
    /** Name prefix of the I/O threads that post responses. */
    public static final String POST_IO_THREAD_PREFIX = "agent-proxy-io";
    // HttpClient checks a pooled connection idle this long with a read that waits 1 ms; done for
    // every call (as with 1 s), it added a millisecond to most exchanges. Idle connections are
    // closed by the proxy after 75 s and by an ALB after 60 s, far beyond this.
    private static final TimeValue STALE_CHECK_AFTER = TimeValue.ofSeconds(10);

    private final URI proxy;
    private final String backendId;
    // "Bearer <credential>", none (a backend that accepts legacy agents), or an AWS login's session.
    private volatile ProxyAuthorization authorization;
    private final CloseableHttpClient client;
    private final CloseableHttpAsyncClient responsePosts;
    // Whether polls ask for bodiless requests inline (-inline-requests); a proxy that does not know
    // the mode ignores the header and answers IDs, which the agent reads as before.
    private final boolean inlineRequests;
    // Whether request reads offer to tunnel WebSockets (-websockets); the Go proxy ignores the header.
    private final boolean websockets;
    // Names this agent process to the proxy, so that its polls are told apart from those of other
    // agents on the same host and can be dismissed when it signs off.
    private final String agentId = RequestIds.next();

    /** The ID this agent sends on every call, as the proxy tells agents apart. */
    public String agentId() {
        return agentId;
    }

    /** A client for the proxy named in the configuration; the proxy timeout bounds connecting and each wait for an answer. */
    public ProxyClient(AgentConfig config, String userAgent) {
        this.proxy = config.proxy();
        this.backendId = config.backendId();
        this.authorization = ProxyAuthorization.of(config.credential());
        ProxyTrust.warnIfUnsafe(config.proxy(), config.proxyTls(), config.hasCredential() || config.awsAuth());
        ProxyTrust trust = new ProxyTrust(config.proxyTls());
        // One store for both clients: a poll, a read and a post must all stick to the same instance.
        CookieStore cookies = new ProxyCookieStore();
        this.client = newClient(config, userAgent, trust, cookies);
        this.responsePosts = newPostClient(config, userAgent, trust, cookies);
        this.inlineRequests = config.inlineRequests();
        this.websockets = config.websockets();
    }

    private static CloseableHttpClient newClient(AgentConfig config, String userAgent, ProxyTrust trust,
                                                 CookieStore cookies) {
        Timeout timeout = Timeout.of(config.proxyTimeout());
        int connections = config.maxInFlight() * CONNECTIONS_PER_EXCHANGE + REJECTION_CONNECTIONS + SPARE_CONNECTIONS;
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                // The poll's thread must not wait for DNS either: it would stop all polling.
                .setDnsResolver(BackgroundRefreshingDnsResolver.SHARED)
                .setTlsSocketStrategy(trust.forBlockingCalls())
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(timeout)
                        .setSocketTimeout(timeout)
                        .setValidateAfterInactivity(STALE_CHECK_AFTER)
                        .build())
                .setMaxConnTotal(connections)
                .setMaxConnPerRoute(connections)
                .build();
        return HttpClients.custom()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(timeout)
                        .setResponseTimeout(timeout)
                        .setRedirectsEnabled(false)
                        .setAuthenticationEnabled(false)
                        .setProtocolUpgradeEnabled(false)
                        .setContentCompressionEnabled(false)
                        .build())
                .setUserAgent(userAgent)
                .disableRedirectHandling()
                .setDefaultCookieStore(cookies)
                .disableContentCompression()
                .disableAuthCaching()
                // A response post cannot be replayed and a poll is repeated by the poll loop anyway.
                .disableAutomaticRetries()
                .build();
    }

    private static CloseableHttpAsyncClient newPostClient(AgentConfig config, String userAgent, ProxyTrust trust,
                                                         CookieStore cookies) {
        Timeout connect = Timeout.of(config.proxyTimeout());
        // A post may be quiet as long as the backend may pause in its body (-backend-timeout, which
        // the backend side enforces), and then wait for the proxy's answer as any call does.
        Timeout quiet = Timeout.of(config.backendTimeout().plus(config.proxyTimeout()));
        int connections = config.maxInFlight() + SPARE_CONNECTIONS;
        // Post connections are opened on I/O threads, which must not wait for DNS.
        BackgroundRefreshingDnsResolver.SHARED.warmUp(config.proxy().getHost());
        PoolingAsyncClientConnectionManager pool = PoolingAsyncClientConnectionManagerBuilder.create()
                .setDnsResolver(BackgroundRefreshingDnsResolver.SHARED)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(connect)
                        .setSocketTimeout(quiet)
                        .setValidateAfterInactivity(STALE_CHECK_AFTER)
                        .build())
                .setTlsStrategy(trust.forAsyncCalls())
                // The wire protocol is HTTP/1.1; a TLS proxy offering h2 in ALPN is not taken up on it.
                .setDefaultTlsConfig(TlsConfig.custom().setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build())
                .setMaxConnTotal(connections)
                .setMaxConnPerRoute(connections)
                .build();
        CloseableHttpAsyncClient posts = HttpAsyncClients.custom()
                .setConnectionManager(pool)
                .setThreadFactory(new DefaultThreadFactory(POST_IO_THREAD_PREFIX, true))
                .setHttp1Config(Http1Config.custom().setBufferSize(POST_CONNECTION_BUFFER_BYTES).build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(connect)
                        .setResponseTimeout(quiet)
                        .setRedirectsEnabled(false)
                        .setAuthenticationEnabled(false)
                        .setExpectContinueEnabled(false)
                        .setProtocolUpgradeEnabled(false)
                        .setContentCompressionEnabled(false)
                        .build())
                .setUserAgent(userAgent)
                .disableRedirectHandling()
                .setDefaultCookieStore(cookies)
                .disableAuthCaching()
                .disableConnectionState()
                // A response post cannot be replayed.
                .disableAutomaticRetries()
                .evictIdleConnections(IDLE_POST_CONNECTION_LIFETIME)
                .addExecInterceptorBefore(ChainElement.MAIN_TRANSPORT.name(), CancellableExec.NAME, new CancellableExec())
                .build();
        posts.start();
        return posts;
    }

    /**
     * A new {@code GET agent/pending}, asking for the inline poll mode unless {@code -inline-requests
     * false}, and telling the proxy which inline requests of the last answer were taken on; keep
     * it to abort a poll that is waiting.
     */
    public AbortableRequest newPoll(List<String> inlineTaken) {
        AbortableRequest poll = agentCall("GET", PENDING, null);
        if (inlineRequests) {
            poll.setHeader(WireHeaders.POLL_MODE, WireHeaders.INLINE_POLL_MODE);
            if (!inlineTaken.isEmpty()) {
                poll.setHeader(WireHeaders.INLINE_ACK, String.join(" ", inlineTaken));
            }
        }
        return poll;
    }

    /** Sends what calls carry as {@code Authorization} from now on, e.g. the session of an AWS login. */
    public void authorizeWith(ProxyAuthorization authorization) {
        this.authorization = authorization;
    }

    /**
     * {@code POST agent/login}: presents a signed AWS login and returns the session credential the
     * proxy gives; any other status than 200 is a {@link ProxyStatusException}. Carries no
     * {@code Authorization}: the login is what proves the agent.
     */
    public AgentLogin.Answer login(AgentLogin.Request login) throws IOException {
        AbortableRequest call = new AbortableRequest("POST", proxy.resolve(AgentLogin.PATH));
        call.setHeader(WireHeaders.BACKEND_ID, backendId);
        call.setHeader(WireHeaders.AGENT_ID, agentId);
        call.setEntity(new StringEntity(login.toJson(), ContentType.APPLICATION_JSON));
        ClassicHttpResponse answer = client.executeOpen(null, call, null);
        try {
            if (answer.getCode() != 200) {
                throw new ProxyStatusException("POST " + AgentLogin.PATH, answer.getCode(), reasonOf(answer));
            }
            return AgentLogin.Answer.parse(readCapped(answer.getEntity()));
        } finally {
            Responses.close(answer);
        }
    }

    /** Sends a poll and returns the requests waiting, some perhaps inline; none after a quiet long poll. */
    public PendingRequests poll(AbortableRequest poll) throws IOException {
        // An AWS-verified agent logs in (again) here, before the call that needs it, so a failed
        // login is a failed poll and backs off like one.
        ProxyAuthorization auth = authorization;
        auth.refresh();
        setAuthorization(poll, auth.header());
        ClassicHttpResponse answer = client.executeOpen(null, poll, null);
        boolean read = false;
        try {
            expectOk(answer, "GET " + PENDING, poll);
            PendingRequests pending = PendingRequests.parse(readCapped(answer.getEntity()));
            read = true;
            return pending;
        } finally {
            if (read) {
                Responses.close(answer);
            } else {
                Responses.abort(answer);
            }
        }
    }

    /**
     * Reads a parked request: returns the open 200 answer, whose body is the request message and
     * whose {@link WireHeaders#USER_ID} header, if any, names the end user. Unless {@code -websockets
     * false} it offers to tunnel WebSockets; an answer carrying {@link WireHeaders#UPGRADE} then goes
     * on with the client's upgraded connection after the message head. A 404 (request expired or
     * taken) is a {@link ProxyStatusException} like any other status.
     */
    public CloseableHttpResponse readRequest(String requestId) throws IOException {
        AbortableRequest read = agentCall("GET", REQUEST, requestId);
        if (websockets) {
            read.setHeader(WireHeaders.UPGRADE, WireHeaders.WEBSOCKET);
        }
        CloseableHttpResponse answer = CloseableHttpResponse.adapt(client.executeOpen(null, read, null));
        try {
            expectOk(answer, "GET " + REQUEST, read);
            if (answer.getEntity() == null) {
                throw new MalformedMessageException("request message from the proxy has no body");
            }
            return answer;
        } catch (IOException | RuntimeException e) {
            Responses.abort(answer);
            throw e;
        }
    }

    /**
     * Starts {@code POST agent/response} for {@code requestId}, its body streamed as {@code message}
     * offers it, on I/O threads only. {@code done} hears of a 200 as completed and of any other
     * status as a {@link ProxyStatusException}; cancelling {@code cancel}, before or during the
     * post, closes its connection at once, so a half-sent message can never look complete to the
     * proxy.
     */
    public void postResponse(String requestId, AsyncEntityProducer message, CancellableDependency cancel,
                             FutureCallback<Void> done) {
        HttpRequest post = new BasicHttpRequest("POST", proxy.resolve(RESPONSE));
        addAgentHeaders(post, requestId);
        post.setHeader(HttpHeaders.CONTENT_TYPE, WireHeaders.RESPONSE_MESSAGE_CONTENT_TYPE);
        responsePosts.execute(new BasicRequestProducer(post, message), new PostAnswerConsumer(),
                CancellableExec.contextCancelledBy(cancel),
                new FutureCallback<PostAnswerConsumer.Answer>() {
                    @Override
                    public void completed(PostAnswerConsumer.Answer answer) {
                        if (answer.status() == 200) {
                            done.completed(null);
                        } else {
                            refusedIf401(answer.status(), post);
                            done.failed(new ProxyStatusException("POST " + RESPONSE, answer.status(), answer.reason()));
                        }
                    }

                    @Override
                    public void failed(Exception failure) {
                        done.failed(failure);
                    }

                    @Override
                    public void cancelled() {
                        done.cancelled();
                    }
                });
    }

    /** A new {@code POST agent/response} carrying {@code message}; keep it to abort the post mid-body. */
    public AbortableRequest newResponsePost(String requestId, HttpEntity message) {
        AbortableRequest post = agentCall("POST", RESPONSE, requestId);
        post.setHeader(HttpHeaders.CONTENT_TYPE, WireHeaders.RESPONSE_MESSAGE_CONTENT_TYPE);
        post.setEntity(message);
        return post;
    }

    /** Sends a response post and waits for the proxy to take it. */
    public void post(AbortableRequest post) throws IOException {
        ClassicHttpResponse answer = client.executeOpen(null, post, null);
        try {
            expectOk(answer, "POST " + RESPONSE, post);
        } finally {
            // The proxy's answer to a post is a few bytes at most; reading it keeps the connection.
            Responses.close(answer);
        }
    }

    /**
     * Tells the proxy this agent stops polling ({@code DELETE agent/pending}), so that work is no
     * longer handed to a poll it left behind. Best effort within {@code timeout}: a proxy that does
     * not know the call (the Go proxy) or cannot be reached only means the claim timeout applies.
     */
    public void signOff(Duration timeout, List<String> inlineTaken) {
        AbortableRequest call = agentCall("DELETE", PENDING, null);
        if (!inlineTaken.isEmpty()) {
            call.setHeader(WireHeaders.INLINE_ACK, String.join(" ", inlineTaken));
        }
        // Cancelling bounds connecting too, which a request's own timeouts would not.
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(call::cancel);
        try (ClassicHttpResponse answer = client.executeOpen(null, call, null)) {
            EntityUtils.consume(answer.getEntity());
        } catch (IOException | RuntimeException e) {
            // Best effort, see above.
        }
    }

    /** Closes every connection; {@link CloseMode#IMMEDIATE} also breaks calls in progress. */
    @Override
    public void close(CloseMode closeMode) {
        responsePosts.close(closeMode);
        client.close(closeMode);
    }

    @Override
    public void close() {
        close(CloseMode.GRACEFUL);
    }

    private AbortableRequest agentCall(String method, String path, String requestId) {
        AbortableRequest call = new AbortableRequest(method, proxy.resolve(path));
        addAgentHeaders(call, requestId);
        return call;
    }

    private void addAgentHeaders(HttpRequest call, String requestId) {
        call.setHeader(WireHeaders.BACKEND_ID, backendId);
        call.setHeader(WireHeaders.AGENT_ID, agentId);
        setAuthorization(call, authorization.header());
        if (requestId != null) {
            call.setHeader(WireHeaders.REQUEST_ID, requestId);
        }
    }

    private static void setAuthorization(HttpRequest call, String header) {
        if (header != null) {
            call.setHeader(HttpHeaders.AUTHORIZATION, header);
        } else {
            call.removeHeaders(HttpHeaders.AUTHORIZATION);
        }
    }

    // A 401 to a session credential means it expired or was withdrawn: the next poll logs in again.
    private void refusedIf401(int status, HttpRequest call) {
        if (status == 401) {
            org.apache.hc.core5.http.Header sent = call.getFirstHeader(HttpHeaders.AUTHORIZATION);
            authorization.refused(sent == null ? null : sent.getValue());
        }
    }

    private void expectOk(ClassicHttpResponse answer, String call, HttpRequest request) throws ProxyStatusException {
        refusedIf401(answer.getCode(), request);
        if (answer.getCode() != 200) {
            throw new ProxyStatusException(call, answer.getCode(), reasonOf(answer));
        }
    }

    // The proxy's error answers are one short line of text; more is not read.
    private static String reasonOf(ClassicHttpResponse answer) {
        HttpEntity entity = answer.getEntity();
        if (entity == null) {
            return "";
        }
        try (InputStream in = entity.getContent()) {
            String text = new String(in.readNBytes(MAX_REASON_BYTES), StandardCharsets.UTF_8);
            int newline = text.indexOf('\n');
            return (newline < 0 ? text : text.substring(0, newline)).replaceAll("\\p{Cntrl}", "").trim();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    // As in the Go agent, a pending answer is read up to 1 MiB so a broken proxy cannot exhaust memory.
    private static String readCapped(HttpEntity entity) throws IOException {
        if (entity == null) {
            return "";
        }
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        // Not closed here: closing would drain an oversized answer; the caller closes or aborts.
        InputStream in = entity.getContent();
        int read;
        while ((read = in.read(buffer)) != -1) {
            json.write(buffer, 0, read);
            if (json.size() > PendingRequests.MAX_ANSWER_BYTES) {
                throw new MalformedMessageException("pending answer is larger than "
                        + PendingRequests.MAX_ANSWER_BYTES + " bytes");
            }
        }
        return json.toString(StandardCharsets.UTF_8);
    }
}
