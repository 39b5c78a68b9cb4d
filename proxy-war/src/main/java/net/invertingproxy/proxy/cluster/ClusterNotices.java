package net.invertingproxy.proxy.cluster;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisException;

import net.invertingproxy.proxy.failure.FailureException;

/**
 * Notices the instances send each other through one Redis channel: work was queued for a backend,
 * an agent signed off, an agent confirmed requests it took inline. A thread of its own holds the
 * subscription and renews it after every failure; each renewal also reports a possible gap, since
 * notices sent meanwhile are lost.
 */
public final class ClusterNotices implements AutoCloseable {
    static final String CHANNEL = "inverting-proxy:notices";
    private static final System.Logger LOG = System.getLogger(ClusterNotices.class.getName());
    private static final Duration RETRY_FIRST = Duration.ofMillis(100);
    private static final Duration RETRY_MOST = Duration.ofSeconds(2);

    private final ClusterStore store;
    private final String instanceId;
    private final Handlers handlers;
    private final Subscriber subscriber = new Subscriber();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile redis.clients.jedis.Connection connection;
    private volatile long lastPong = System.nanoTime();
    // A subscription waits for messages without a timeout: one whose peer vanished (a failover
    // without a reset) would wait for hours. Pinged at every beat; silent this long, it is renewed.
    private static final long SILENT_NANOS = Duration.ofSeconds(3).toNanos();

    /**
     * What the notices mean to this instance.
     *
     * @param work work for a backend was queued
     * @param signOff an agent (backend ID, agent key) stopped
     * @param settle an agent (agent key) names the inline requests it took
     * @param gap notices may have been lost (the subscription was renewed)
     */
    public record Handlers(Consumer<String> work, BiConsumer<String, String> signOff,
                           BiConsumer<String, Set<String>> settle, Runnable gap) {
    }

    /** Subscribes for {@code instanceId} on a thread of its own. */
    public ClusterNotices(ClusterStore store, String instanceId, Handlers handlers) {
        this.store = store;
        this.instanceId = instanceId;
        this.handlers = handlers;
        this.thread = new Thread(this::subscribeUntilClosed, "inverting-proxy-cluster-notices");
        thread.setDaemon(true);
        thread.start();
    }

    static String work(String backendId) {
        return "work " + backendId;
    }

    /** Tells the other instances that the agent stopped, so they answer its held polls. */
    public void signOff(String backendId, String agentKey) {
        publish("signoff " + instanceId + " " + backendId + " " + agentKey);
    }

    /** Tells the other instances which inline requests the agent took (they may hold them). */
    public void settle(String agentKey, Set<String> takenIds) {
        if (!takenIds.isEmpty()) {
            publish("settle " + instanceId + " " + agentKey + " " + String.join(" ", takenIds));
        }
    }

    private void publish(String notice) {
        try {
            store.call(redis -> redis.publish(CHANNEL, notice));
        } catch (FailureException e) {
            // Logged by the store; the claim timeout and poll hold cover what the notice would have sped up.
        }
    }

    private void subscribeUntilClosed() {
        Duration retry = RETRY_FIRST;
        while (running) {
            try (redis.clients.jedis.Connection own = store.openDedicated()) {
                connection = own;
                lastPong = System.nanoTime();
                subscriber.proceed(own, CHANNEL);
            } catch (JedisException e) {
                if (running) {
                    store.failed(e);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cluster notices: subscription failed: " + e);
            }
            if (!running) {
                return;
            }
            try {
                Thread.sleep(retry.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            retry = retry.multipliedBy(2).compareTo(RETRY_MOST) > 0 ? RETRY_MOST : retry.multipliedBy(2);
        }
    }

    private void dispatch(String message) {
        String[] words = message.split(" ");
        switch (words[0]) {
            case "work" -> {
                if (words.length == 2) {
                    handlers.work().accept(words[1]);
                }
            }
            case "signoff" -> {
                if (words.length == 4 && !words[1].equals(instanceId)) {
                    handlers.signOff().accept(words[2], words[3]);
                }
            }
            case "settle" -> {
                if (words.length > 3 && !words[1].equals(instanceId)) {
                    handlers.settle().accept(words[2], new HashSet<>(Arrays.asList(words).subList(3, words.length)));
                }
            }
            default -> LOG.log(Level.DEBUG, "cluster notices: unknown notice ignored: {0}", words[0]);
        }
    }

    /** Pings the subscription; one that answered nothing since the last few pings is closed and renewed. */
    public void checkAlive() {
        redis.clients.jedis.Connection current = connection;
        if (current == null || !subscriber.isSubscribed()) {
            return;
        }
        if (System.nanoTime() - lastPong > SILENT_NANOS) {
            LOG.log(Level.WARNING, "cluster notices: the subscription went silent; renewing it");
            lastPong = System.nanoTime();
            current.close();
            return;
        }
        try {
            subscriber.ping();
        } catch (RuntimeException e) {
            current.close();
        }
    }

    /** Receives the channel's messages on the subscription thread. */
    private final class Subscriber extends JedisPubSub {
        @Override
        public void onPong(String pattern) {
            lastPong = System.nanoTime();
        }

        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            store.reached();
            handlers.gap().run();
        }

        @Override
        public void onMessage(String channel, String message) {
            try {
                dispatch(message);
            } catch (RuntimeException e) {
                // One bad notice must not end the subscription for all the others.
                LOG.log(Level.WARNING, "cluster notices: handling a notice failed: " + e, e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            if (subscriber.isSubscribed()) {
                subscriber.unsubscribe();
            }
        } catch (RuntimeException e) {
            // The connection is broken anyway.
        }
        redis.clients.jedis.Connection current = connection;
        if (current != null) {
            current.close();
        }
        thread.interrupt();
    }
}
