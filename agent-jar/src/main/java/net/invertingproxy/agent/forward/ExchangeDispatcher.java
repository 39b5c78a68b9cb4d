package net.invertingproxy.agent.forward;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.proxy.ProxyClient;

import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;

/**
 * Runs an {@link Exchange} for each pending request ID, at most {@code -max-in-flight} at once.
 * A request beyond the limit is answered 503 straight away without being read, so the client
 * learns at once instead of timing out.
 */
public final class ExchangeDispatcher {
    private static final Logger LOG = Logger.getLogger(ExchangeDispatcher.class.getName());
    // 503 answers are quick posts; a few at once keep a burst from tying up the poll loop.
    private static final int MAX_CONCURRENT_REJECTIONS = 16;

    private final AgentConfig config;
    private final ProxyClient proxy;
    private final CloseableHttpClient backend;
    private final BackendRequestFactory backendRequests;
    private final Semaphore exchangePermits;
    private final Semaphore rejectionPermits = new Semaphore(MAX_CONCURRENT_REJECTIONS);
    private final ExecutorService executor;

    /** A dispatcher that reads requests through {@code proxy} and forwards them with {@code backend}. */
    public ExchangeDispatcher(AgentConfig config, ProxyClient proxy, CloseableHttpClient backend) {
        this.config = config;
        this.proxy = proxy;
        this.backend = backend;
        this.backendRequests = new BackendRequestFactory(config);
        this.exchangePermits = new Semaphore(config.maxInFlight());
        this.executor = ExchangeExecutors.create(config.maxInFlight() + MAX_CONCURRENT_REJECTIONS);
    }

    /** Whether exchanges run on virtual threads (Java 21+) rather than a pool of platform threads. */
    public static boolean usesVirtualThreads() {
        return ExchangeExecutors.virtualThreadsAvailable();
    }

    /** Starts forwarding the request, or answers it 503 if the agent is at its limit. */
    public void dispatch(String requestId) {
        if (exchangePermits.tryAcquire()) {
            Exchange exchange = new Exchange(requestId, config, proxy, backend, backendRequests);
            if (!submit(exchange, exchangePermits)) {
                LOG.fine(() -> "request " + requestId + " not started: the agent is stopping");
            }
        } else if (rejectionPermits.tryAcquire()) {
            GatewayFailure failure = GatewayFailure.atCapacity(config.maxInFlight());
            submit(() -> Exchange.reject(requestId, failure, proxy), rejectionPermits);
        } else {
            // The proxy answers the client itself once the request expires.
            LOG.warning(() -> "request " + requestId + " dropped: the agent is at its limit of "
                    + config.maxInFlight() + " requests in flight and busy answering 503s");
        }
    }

    /** How many exchanges are running now. */
    public int inFlight() {
        return config.maxInFlight() - exchangePermits.availablePermits();
    }

    /** Takes no new requests and waits up to {@code grace} for the running ones; returns whether they all finished. */
    public boolean shutdown(Duration grace) throws InterruptedException {
        executor.shutdown();
        return executor.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Interrupts what still runs (their connections are expected to be closed by now) and waits briefly. */
    public void shutdownNow(Duration wait) throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS);
    }

    private boolean submit(Runnable task, Semaphore permits) {
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // A bug in one exchange must not go unnoticed, nor take the others down.
                    LOG.log(Level.WARNING, "an exchange failed unexpectedly: " + e, e);
                } finally {
                    permits.release();
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            permits.release();
            return false;
        }
    }
}
