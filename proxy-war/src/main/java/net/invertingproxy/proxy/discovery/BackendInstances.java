package net.invertingproxy.proxy.discovery;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Keeps one directory instance per backend with a connected agent, on a single background
 * thread: callers only note that a backend's agents changed ({@link #changed}), which never
 * blocks; the thread reads the current agent count and registers, updates (at most once per
 * update interval) or deregisters. Failed calls are retried with exponential backoff, and each
 * kind of failure is logged as a warning once.
 */
public final class BackendInstances implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BackendInstances.class.getName());
    /** Backends waiting to be looked at; beyond it every backend is looked at once instead. */
    static final int MAX_PENDING = 10_000;
    // Wakes the thread without naming a backend (backend IDs are never empty).
    private static final String WAKE = "";
    // The longest the thread sleeps without looking at its flags.
    private static final long MAX_IDLE_MILLIS = 1000;
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofMinutes(1);

    /** Attribute naming the backend. */
    public static final String BACKEND_ID = "backendId";
    /** Attribute with the number of agents connected for the backend. */
    public static final String AGENT_COUNT = "agentCount";

    /** How often instances may be written and how failed calls are retried. */
    public record Timing(Duration updateInterval, Duration firstRetry, Duration maxRetry) {
        /** The production timing with the given update interval: retries from 1 s doubling up to 1 min. */
        public static Timing of(Duration updateInterval) {
            return new Timing(updateInterval, FIRST_RETRY, MAX_RETRY);
        }
    }

    private record Published(int agentCount, long writtenAtNanos) {
    }

    private final InstanceDirectory directory;
    private final ToIntFunction<String> agentCount;
    private final Supplier<Set<String>> knownBackends;
    private final Function<String, Map<String, String>> fixedAttributes;
    private final Timing timing;
    private final FailureLog failures = new FailureLog(LOG);
    private final RetryDelay retryDelay;
    private final BlockingQueue<String> pending = new LinkedBlockingQueue<>(MAX_PENDING);
    private final Set<String> pendingIds = ConcurrentHashMap.newKeySet();
    private final Map<String, Published> published = new ConcurrentHashMap<>();
    // Worker thread only: backends to look at, and from when (rate limit and backoff).
    private final Map<String, Long> dueAtNanos = new LinkedHashMap<>();
    private long pausedUntilNanos;
    private volatile boolean overflowed;
    private volatile boolean withdrawing;
    private volatile boolean stopped;
    private final Thread worker;

    private BackendInstances(InstanceDirectory directory, ToIntFunction<String> agentCount,
                             Supplier<Set<String>> knownBackends, Function<String, Map<String, String>> fixedAttributes,
                             Timing timing) {
        this.directory = directory;
        this.agentCount = agentCount;
        this.knownBackends = knownBackends;
        this.fixedAttributes = fixedAttributes;
        this.timing = timing;
        this.retryDelay = new RetryDelay(timing.firstRetry(), timing.maxRetry());
        this.worker = new Thread(this::run, "inverting-proxy-cloudmap");
        worker.setDaemon(true);
    }

    /**
     * Starts the background thread.
     *
     * @param agentCount the current number of agents of a backend
     * @param knownBackends every backend that may have agents, looked at after an overflow
     * @param fixedAttributes attributes besides {@link #BACKEND_ID} and {@link #AGENT_COUNT}
     */
    public static BackendInstances start(InstanceDirectory directory, ToIntFunction<String> agentCount,
                                         Supplier<Set<String>> knownBackends,
                                         Function<String, Map<String, String>> fixedAttributes, Timing timing) {
        BackendInstances instances = new BackendInstances(directory, agentCount, knownBackends, fixedAttributes, timing);
        instances.worker.start();
        return instances;
    }

    /** Notes that the backend's agents changed; returns at once, never blocks and never throws. */
    public void changed(String backendId) {
        if (withdrawing || !pendingIds.add(backendId)) {
            return;
        }
        if (!pending.offer(backendId)) {
            // Nothing is lost: the thread looks at every backend instead.
            pendingIds.remove(backendId);
            overflowed = true;
        }
    }

    /**
     * Deregisters every instance (the proxy drains) and ignores later changes; waits up to
     * {@code timeout} for it and returns whether every instance is gone.
     */
    public boolean withdrawAll(Duration timeout) {
        withdrawing = true;
        pending.offer(WAKE);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!published.isEmpty() && System.nanoTime() < deadline && worker.isAlive()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!published.isEmpty()) {
            LOG.log(Level.WARNING, "Cloud Map: {0} instances still registered after {1} ms: {2}",
                    published.size(), timeout.toMillis(), String.join(", ", published.keySet()));
        }
        return published.isEmpty();
    }

    /** The backends with a registered instance and the agent count published for each. */
    public Map<String, Integer> published() {
        Map<String, Integer> counts = new HashMap<>();
        published.forEach((id, p) -> counts.put(id, p.agentCount()));
        return counts;
    }

    /** Stops the thread and closes the directory. */
    @Override
    public void close() {
        stopped = true;
        worker.interrupt();
        try {
            worker.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        directory.close();
    }

    private void run() {
        while (!stopped) {
            try {
                String id = pending.poll(idleMillis(), TimeUnit.MILLISECONDS);
                long now = System.nanoTime();
                for (; id != null; id = pending.poll()) {
                    if (!id.equals(WAKE)) {
                        pendingIds.remove(id);
                        dueAtNanos.put(id, now);
                    }
                }
                scheduleFlagged(now);
                if (now - pausedUntilNanos >= 0) {
                    reconcileDue(now);
                }
            } catch (InterruptedException e) {
                if (stopped) {
                    return;
                }
            } catch (RuntimeException e) {
                // This thread is the only one publishing: it must outlive any surprise.
                LOG.log(Level.ERROR, "Cloud Map publishing failed: " + e, e);
            }
        }
    }

    private void scheduleFlagged(long now) {
        if (overflowed) {
            overflowed = false;
            for (String id : knownBackends.get()) {
                dueAtNanos.putIfAbsent(id, now);
            }
            published.keySet().forEach(id -> dueAtNanos.putIfAbsent(id, now));
        }
        if (withdrawing) {
            published.keySet().forEach(id -> dueAtNanos.putIfAbsent(id, now));
        }
    }

    private long idleMillis() {
        long now = System.nanoTime();
        long next = now + TimeUnit.MILLISECONDS.toNanos(MAX_IDLE_MILLIS);
        for (long due : dueAtNanos.values()) {
            next = due - next < 0 ? due : next;
        }
        if (!dueAtNanos.isEmpty() && pausedUntilNanos - next > 0) {
            next = pausedUntilNanos;
        }
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(next - now));
    }

    private void reconcileDue(long now) {
        List<String> due = new ArrayList<>();
        dueAtNanos.forEach((id, at) -> {
            if (now - at >= 0) {
                due.add(id);
            }
        });
        for (String id : due) {
            try {
                reconcile(id, now);
                retryDelay.succeeded();
            } catch (DirectoryException e) {
                Duration delay = retryDelay.failed();
                // Counted from the failure's answer, so the service sees at least this gap.
                pausedUntilNanos = System.nanoTime() + delay.toNanos();
                failures.failed(actionOf(id), InstanceIds.of(id), e, delay.toMillis());
                // The others wait too: throttling, a missing permission or an outage hit them alike.
                return;
            }
        }
    }

    private String actionOf(String backendId) {
        return currentCount(backendId) > 0 ? "registration" : "deregistration";
    }

    private int currentCount(String backendId) {
        return withdrawing ? 0 : agentCount.applyAsInt(backendId);
    }

    private void reconcile(String backendId, long now) throws DirectoryException {
        int count = currentCount(backendId);
        Published current = published.get(backendId);
        String instanceId = InstanceIds.of(backendId);
        if (count == 0) {
            if (current != null) {
                call(() -> directory.deregister(instanceId));
                published.remove(backendId);
                LOG.log(Level.INFO, "Cloud Map: deregistered instance ''{0}'' (no agent of backend ''{1}'' left{2})",
                        instanceId, backendId, withdrawing ? ", the proxy drains" : "");
            }
            dueAtNanos.remove(backendId);
            return;
        }
        if (current != null && current.agentCount() == count) {
            dueAtNanos.remove(backendId);
            return;
        }
        long nextWrite = current == null ? now : current.writtenAtNanos() + timing.updateInterval().toNanos();
        if (nextWrite - now > 0) {
            // Only the count changed: written once the interval is over, with the count of then.
            dueAtNanos.put(backendId, nextWrite);
            return;
        }
        Map<String, String> attributes = new LinkedHashMap<>(fixedAttributes.apply(backendId));
        attributes.put(BACKEND_ID, backendId);
        attributes.put(AGENT_COUNT, Integer.toString(count));
        call(() -> directory.register(instanceId, attributes));
        // Counted from the answer, so two writes arrive at least the interval apart.
        published.put(backendId, new Published(count, System.nanoTime()));
        dueAtNanos.remove(backendId);
        LOG.log(current == null ? Level.INFO : Level.DEBUG, "Cloud Map: registered instance ''{0}'' for backend ''{1}'' ({2} agents)",
                instanceId, backendId, count);
    }

    @FunctionalInterface
    private interface DirectoryCall {
        void run() throws DirectoryException;
    }

    // A surprise from the directory (a bug, an SDK exception we do not classify) is one more kind of failure.
    private static void call(DirectoryCall call) throws DirectoryException {
        try {
            call.run();
        } catch (RuntimeException e) {
            throw new DirectoryException(DirectoryException.Kind.OTHER, e.toString(), e);
        }
    }
}
