package net.invertingproxy.proxy.cluster;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

import net.invertingproxy.proxy.broker.RequestIdSource;
import net.invertingproxy.proxy.broker.SharedQueue;
import net.invertingproxy.proxy.config.ClusterSettings;

/**
 * This instance as a member of a cluster: its ID, its connection to Redis, its heartbeat, the
 * shared queue, the notices it exchanges with the others and the forwarder of calls naming their
 * requests. Built before the broker (which takes its IDs and queue), then bound to it.
 */
public final class ClusterNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterNode.class.getName());
    // Beats well within the expiry, so one or two lost beats never drop a live instance.
    private static final Duration HEARTBEAT = Duration.ofMillis(500);

    private final ClusterSettings settings;
    private final ClusterStore store;
    private final ClusterRequestIds requestIds;
    private final ClusterMembers members;
    private final RedisSharedQueue queue;
    private final CallForwarder forwarder;
    private final ClusterCredential credential;
    private volatile Supplier<Collection<String>> backendsWithAgents = List::of;
    private ClusterNotices notices;
    private volatile ScheduledExecutorService heartbeat;
    private final java.util.concurrent.atomic.AtomicBoolean beatPending = new java.util.concurrent.atomic.AtomicBoolean();

    private ClusterNode(ClusterSettings settings, ClusterStore store, int maxQueued, Duration claimTimeout,
                        Duration queueLifetime, int maxRelayed) {
        this.settings = settings;
        this.store = store;
        this.requestIds = new ClusterRequestIds(ClusterRequestIds.newInstanceId());
        this.members = new ClusterMembers(store, requestIds.instanceId(), settings.internalBase(),
                settings.instanceExpiry(), () -> backendsWithAgents.get());
        this.queue = new RedisSharedQueue(store, members, maxQueued, claimTimeout, queueLifetime);
        this.credential = new ClusterCredential(settings.secret());
        this.forwarder = new CallForwarder(credential, maxRelayed);
    }

    /**
     * Joins the cluster of {@code settings}: at most {@code maxQueued} requests wait per backend,
     * an agent has {@code claimTimeout} to read what it took, and a backend's queue nobody
     * touches for {@code queueLifetime} disappears; at most {@code maxRelayed} calls are relayed at once. Redis need not
     * be up yet; until it is, the instance serves its own agents only.
     */
    public static ClusterNode join(ClusterSettings settings, int maxQueued, Duration claimTimeout,
                                   Duration queueLifetime, int maxRelayed) {
        return new ClusterNode(settings, ClusterStore.connect(settings.redisUrl()), maxQueued, claimTimeout,
                queueLifetime, maxRelayed);
    }

    /** The IDs this instance gives its exchanges. */
    public RequestIdSource requestIds() {
        return requestIds;
    }

    /** The queue the instances share. */
    public SharedQueue sharedQueue() {
        return queue;
    }

    /**
     * What the notices of the others do here, and which backends' agents this instance reports;
     * starts the heartbeat and the subscription.
     */
    public void start(Supplier<Collection<String>> agentsHere, Consumer<String> work,
                      BiConsumer<String, String> signOff, BiConsumer<String, Set<String>> settle, Runnable gap) {
        this.backendsWithAgents = agentsHere;
        members.beat();
        notices = new ClusterNotices(store, requestIds.instanceId(), new ClusterNotices.Handlers(work, signOff, settle, gap));
        heartbeat = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "inverting-proxy-cluster-heartbeat");
            thread.setDaemon(true);
            return thread;
        });
        heartbeat.scheduleWithFixedDelay(() -> {
            members.beat();
            notices.checkAlive();
        }, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        LOG.log(Level.INFO, "cluster instance {0} at {1}, Redis at {2} ({3})", requestIds.instanceId(),
                settings.internalBase(), store.address(), store.isReachable() ? "reachable" : "unreachable");
    }

    /**
     * A backend's agents came or went here: the others learn it at once rather than at the next
     * beat, so a client arriving on another instance just after an agent connected is not refused.
     */
    public void agentsChanged() {
        ScheduledExecutorService beats = heartbeat;
        if (beats != null && beatPending.compareAndSet(false, true)) {
            try {
                beats.execute(() -> {
                    beatPending.set(false);
                    members.beat();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // Closing.
            }
        }
    }

    /** This instance's ID. */
    public String instanceId() {
        return requestIds.instanceId();
    }

    /** The members as last seen. */
    public ClusterMembers members() {
        return members;
    }

    /** The credential instance-to-instance calls carry. */
    public ClusterCredential credential() {
        return credential;
    }

    /** Streams calls to their home instances. */
    public CallForwarder forwarder() {
        return forwarder;
    }

    /** Tells the others that an agent stopped. */
    public void signOff(String backendId, String agentKey) {
        if (notices != null) {
            notices.signOff(backendId, agentKey);
        }
    }

    /**
     * Tells the others which inline requests an agent took: at once by a notice, and in Redis,
     * where a home that missed the notice looks before it would hand one out again.
     */
    public void settle(String agentKey, Set<String> takenIds) {
        queue.confirmInline(agentKey, takenIds);
        if (notices != null) {
            notices.settle(agentKey, takenIds);
        }
    }

    /** Stops taking new work from the cluster; calls naming this instance's requests still reach it. */
    public void drain() {
        members.drain();
    }

    /** Leaves the cluster at once and releases its connections. */
    @Override
    public void close() {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
            try {
                // A beat under way would write the entry back after it was removed.
                heartbeat.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        members.leave();
        if (notices != null) {
            notices.close();
        }
        forwarder.close();
        store.close();
    }
}
