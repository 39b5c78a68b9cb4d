package net.invertingproxy.agent.forward;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.proxy.ProxyClient;
import net.invertingproxy.agent.tunnel.BackendSocketFactory;
import net.invertingproxy.agent.tunnel.WebSocketPinger;
import net.invertingproxy.protocol.PendingRequest;

import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;

/**
 * Starts an {@link Exchange} for each pending request, at most {@code -max-in-flight} at once:
 * the limit is a count of requests, not of threads, since a request waiting for the backend holds
 * none. A request beyond the limit is answered 503 straight away without being read, so the client
 * learns at once instead of timing out.
 */
public final class ExchangeDispatcher {
    private static final Logger LOG = Logger.getLogger(ExchangeDispatcher.class.getName());
    // 503 answers are quick posts; a few at once keep a burst from tying up the poll loop.
    private static final int MAX_CONCURRENT_REJECTIONS = 16;
    // An exchange takes a thread to read its request and upload the body, and another if it must
    // post a failure answer meanwhile; its response streams on I/O threads. A WebSocket tunnel
    // takes both for its whole life, one per direction.
    private static final int THREADS_PER_EXCHANGE = 2;

    private final AgentConfig config;
    private final ProxyClient proxy;
    private final Semaphore exchangePermits;
    private final Semaphore rejectionPermits = new Semaphore(MAX_CONCURRENT_REJECTIONS);
    private final ExecutorService executor;
    private final ExchangeServices services;
    // One thread for all tunnels' keep-alive pings, started with the first tunnel.
    private final WebSocketPinger pinger;
    private final Set<Exchange> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    /**
     * A dispatcher that reads requests through {@code proxy}, forwards them with {@code backend} and
     * tells {@code listener} how each went.
     */
    public ExchangeDispatcher(AgentConfig config, ProxyClient proxy, CloseableHttpAsyncClient backend,
                              ExchangeListener listener) {
        this.config = config;
        this.proxy = proxy;
        this.exchangePermits = new Semaphore(config.maxInFlight());
        this.executor = ExchangeExecutors.create(
                config.maxInFlight() * THREADS_PER_EXCHANGE + MAX_CONCURRENT_REJECTIONS);
        this.pinger = new WebSocketPinger(config.websocketPing());
        this.services = new ExchangeServices(config, proxy, backend, new BackendRequestFactory(config),
                new BackendSocketFactory(config), pinger, task -> executor.execute(guarded(task)), listener);
    }

    /** Whether bytes move on virtual threads (Java 21+) rather than a pool of platform threads. */
    public static boolean usesVirtualThreads() {
        return ExchangeExecutors.virtualThreadsAvailable();
    }

    /** Starts forwarding the request, or answers it 503 if the agent is at its limit; false if it dropped it. */
    public boolean dispatch(PendingRequest request) {
        String requestId = request.id();
        if (stopping) {
            LOG.fine(() -> "request " + requestId + " not started: the agent is stopping");
            return false;
        } else if (exchangePermits.tryAcquire()) {
            start(request);
            return true;
        } else if (rejectionPermits.tryAcquire()) {
            GatewayFailure failure = GatewayFailure.atCapacity(config.maxInFlight());
            try {
                executor.execute(guarded(() -> {
                    try {
                        Exchange.reject(requestId, failure, services);
                    } finally {
                        rejectionPermits.release();
                    }
                }));
                return true;
            } catch (RejectedExecutionException e) {
                rejectionPermits.release();
                return false;
            }
        } else {
            // The proxy hands it out again (an inline request at once, see PollLoop) or answers
            // the client itself once the request expires.
            LOG.warning(() -> "request " + requestId + " dropped: the agent is at its limit of "
                    + config.maxInFlight() + " requests in flight and busy answering 503s");
            return false;
        }
    }

    private void start(PendingRequest request) {
        Exchange exchange = new Exchange(request, services, this::ended);
        inFlight.add(exchange);
        if (request.isInline()) {
            // Carried whole and bodiless, it only starts the backend call, which never blocks: done
            // on the poll's thread, it saves a hand-over to another thread on every such request.
            try {
                guarded(exchange).run();
            } catch (Error e) {
                // Whatever broke this exchange must not end the poll loop, and with it all polling.
                LOG.log(Level.SEVERE, "an exchange failed: " + e, e);
            }
            return;
        }
        try {
            executor.execute(guarded(exchange));
        } catch (RejectedExecutionException e) {
            ended(exchange);
            LOG.fine(() -> "request " + request.id() + " not started: the agent is stopping");
        }
    }

    private void ended(Exchange exchange) {
        inFlight.remove(exchange);
        exchangePermits.release();
    }

    /** How many exchanges are in flight now, whether moving bytes or waiting for the backend. */
    public int inFlight() {
        return config.maxInFlight() - exchangePermits.availablePermits();
    }

    /**
     * Takes no new requests and waits up to {@code grace} for those in flight; returns whether they
     * all finished. Threads stay available meanwhile: exchanges still need them to post their answers,
     * and WebSockets still open their keep-alive pings; those end with the wait.
     */
    public boolean shutdown(Duration grace) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            // Every permit back means every exchange has ended.
            boolean finished = exchangePermits.tryAcquire(config.maxInFlight(), grace.toNanos(), TimeUnit.NANOSECONDS);
            if (finished) {
                exchangePermits.release(config.maxInFlight());
            }
            executor.shutdown();
            return executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                    && finished;
        } finally {
            // WebSockets still open now are aborted next.
            pinger.shutdown();
        }
    }

    /**
     * After {@link #shutdown}, cancels the backend call of every exchange still in flight: its
     * connection is closed at once and nothing more is posted for it. Exchanges waiting for the
     * backend hold no thread, so nothing else would end them.
     */
    public void abortInFlight() {
        inFlight.forEach(Exchange::abort);
    }

    /** Interrupts what still runs (its connections are expected to be closed by now) and waits briefly. */
    public void shutdownNow(Duration wait) throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    // A bug in one exchange must not go unnoticed, nor take the others down.
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "an exchange failed unexpectedly: " + e, e);
            }
        };
    }
}
