package net.invertingproxy.agent.poll;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.invertingproxy.agent.health.HealthGate;
import net.invertingproxy.agent.http.AbortableRequest;
import net.invertingproxy.agent.proxy.ProxyClient;
import net.invertingproxy.agent.proxy.ProxyStatusException;
import net.invertingproxy.protocol.PendingRequest;
import net.invertingproxy.protocol.PendingRequests;

/**
 * Long-polls {@code agent/pending} on one thread and dispatches every request it is given (an ID
 * to read, or in the inline poll mode the request itself), polling again at once after each answer.
 * While the proxy cannot be reached it backs off; it says so once when the proxy becomes
 * unreachable and once when it is back, and logs each retry only at debug level. Until the backend
 * first passes a health check, and while it is unhealthy, it does not poll at all, so the proxy sees
 * no agent.
 */
public final class PollLoop {
    private static final Logger LOG = Logger.getLogger(PollLoop.class.getName());

    private final ProxyClient proxy;
    private final Predicate<PendingRequest> dispatcher;
    private final HealthGate health;
    private final Backoff backoff;
    private final String proxyName;
    private final PollListener listener;
    private final Thread thread;
    private volatile boolean stopping;
    // Only the loop thread writes it. Kept until a poll is answered: a poll that failed
    // may not have carried the word to the proxy, and saying it twice is harmless.
    private volatile List<String> inlineTaken = List.of();
    private volatile AbortableRequest currentPoll;
    // Touched by the loop thread only.
    private boolean unreachable;
    private boolean everReached;

    /** A loop that polls through {@code proxy} and hands each entry of an answer to {@code dispatcher}. */
    public PollLoop(ProxyClient proxy, Predicate<PendingRequest> dispatcher, HealthGate health, Backoff backoff, String proxyName) {
        this(proxy, dispatcher, health, backoff, proxyName, PollListener.NONE);
    }

    /** The same, telling {@code listener} how each poll went. */
    public PollLoop(ProxyClient proxy, Predicate<PendingRequest> dispatcher, HealthGate health, Backoff backoff,
                    String proxyName, PollListener listener) {
        this.proxy = proxy;
        this.listener = listener;
        this.dispatcher = dispatcher;
        this.health = health;
        this.backoff = backoff;
        this.proxyName = proxyName;
        this.thread = new Thread(this::run, "agent-poll");
        // The loop never keeps the JVM alive on its own; AgentMain waits for the agent to stop.
        this.thread.setDaemon(true);
    }

    /** Starts polling. */
    public void start() {
        thread.start();
    }

    /** Stops polling: no new poll starts, a waiting poll is aborted and a backoff sleep is cut short. */
    public void stop() {
        stopping = true;
        AbortableRequest poll = currentPoll;
        if (poll != null) {
            poll.cancel();
        }
        thread.interrupt();
    }

    /** The inline requests of the last answer taken on, for the proxy to hear of on a sign-off. */
    public List<String> inlineTaken() {
        return inlineTaken;
    }

    /** Waits for the loop thread to end; returns whether it did. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, timeout.toMillis()));
        return !thread.isAlive();
    }

    private void run() {
        while (!stopping) {
            try {
                health.awaitHealthy();
            } catch (InterruptedException e) {
                continue;
            }
            AbortableRequest poll = proxy.newPoll(inlineTaken);
            currentPoll = poll;
            // stop() may have looked for a poll to abort just before this one was published.
            if (stopping) {
                break;
            }
            try {
                PendingRequests pending = proxy.poll(poll);
                reached();
                listener.pollAnswered(pending.requests().size());
                // Once stopping, nothing new starts: the proxy hands an answer's requests out again.
                if (stopping) {
                    break;
                }
                inlineTaken = dispatchAll(pending);
            } catch (IOException | RuntimeException e) {
                if (stopping) {
                    break;
                }
                failed(e);
                listener.pollFailed();
                pause(backoff.next());
            } finally {
                currentPoll = null;
            }
        }
        LOG.fine("poll loop stopped");
    }

    // The inline requests this agent took on, told to the proxy with the next poll: without that
    // word the proxy cannot tell a request that reached the agent from one lost with a broken
    // poll connection, and hands the latter out again at once.
    private List<String> dispatchAll(PendingRequests pending) {
        List<String> taken = new ArrayList<>();
        for (PendingRequest request : pending.requests()) {
            if (dispatcher.test(request) && request.isInline()) {
                taken.add(request.id());
            }
        }
        return taken;
    }

    private void reached() {
        backoff.reset();
        if (unreachable) {
            unreachable = false;
            listener.reconnected();
            LOG.info(() -> "proxy " + proxyName + " is reachable again; polling resumed");
        } else if (!everReached) {
            LOG.info(() -> "polling proxy " + proxyName);
        }
        everReached = true;
    }

    private void failed(Exception e) {
        if (e instanceof ProxyStatusException status && status.isRefusal()) {
            // Not an outage: the proxy is there and says no. Said loudly each time, since nothing works until fixed.
            LOG.severe(() -> "proxy " + proxyName + " refuses this agent (" + e.getMessage()
                    + "); check -backend and -credential; retrying with backoff");
            unreachable = true;
            return;
        }
        if (!unreachable) {
            unreachable = true;
            LOG.warning(() -> "proxy " + proxyName + " is unreachable (" + e.getMessage()
                    + "); retrying with backoff up to " + Backoff.MAX.toMillis() / 1000 + "s");
        } else {
            LOG.fine(() -> "poll failed again: " + e.getMessage());
        }
        LOG.log(Level.FINE, "poll failure details", e);
    }

    private void pause(Duration delay) {
        try {
            Thread.sleep(delay.toMillis(), delay.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            // stop() interrupts to cut the pause short; the loop condition decides what follows.
        }
    }
}
