package net.invertingproxy.proxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The notices between instances on a real Redis: delivered to the others, not back to their
 * sender, and a subscription that went silent (Redis frozen: connections open, nothing answers)
 * is renewed by the heartbeat's check instead of waiting for hours.
 */
class ClusterNoticesTest {
    private RedisServer redis;
    private ClusterStore storeA;
    private ClusterStore storeB;
    private ClusterNotices a;
    private ClusterNotices b;
    private final BlockingQueue<String> workAtB = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> signOffsAtA = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> signOffsAtB = new LinkedBlockingQueue<>();
    private final BlockingQueue<Set<String>> settledAtB = new LinkedBlockingQueue<>();
    private final AtomicInteger subscriptionsOfB = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        storeA = ClusterStore.connect(URI.create(redis.url()));
        storeB = ClusterStore.connect(URI.create(redis.url()));
        a = new ClusterNotices(storeA, "aaaaaaaaaa", new ClusterNotices.Handlers(backend -> { },
                (backend, agent) -> signOffsAtA.add(agent), (agent, ids) -> { }, () -> { }));
        b = new ClusterNotices(storeB, "bbbbbbbbbb", new ClusterNotices.Handlers(workAtB::add,
                (backend, agent) -> signOffsAtB.add(backend + " " + agent), (agent, ids) -> settledAtB.add(ids),
                subscriptionsOfB::incrementAndGet));
        awaitSubscribed();
    }

    @AfterEach
    void stop() throws Exception {
        a.close();
        b.close();
        storeA.close();
        storeB.close();
        redis.close();
    }

    @Test
    void noticesReachTheOtherInstancesButNotTheirSender() throws Exception {
        a.signOff("orders", "id:agent-1");
        a.settle("id:agent-1", Set.of("aaaaaaaaaa-" + "D".repeat(22)));
        storeA.call(redis -> redis.publish(ClusterNotices.CHANNEL, ClusterNotices.work("orders")));

        assertEquals("orders id:agent-1", signOffsAtB.poll(5, TimeUnit.SECONDS));
        assertEquals(Set.of("aaaaaaaaaa-" + "D".repeat(22)), settledAtB.poll(5, TimeUnit.SECONDS));
        assertEquals("orders", workAtB.poll(5, TimeUnit.SECONDS));
        assertEquals(null, signOffsAtA.poll(500, TimeUnit.MILLISECONDS));
    }

    @Test
    void aLiveSubscriptionAnswersItsPingsAndIsKept() throws Exception {
        for (int i = 0; i < 10; i++) {
            b.checkAlive();
            Thread.sleep(400);
        }
        assertEquals(1, subscriptionsOfB.get(), "a live subscription was renewed");
        assertTrue(storeB.isReachable(), "a ping's answer was taken for a broken connection");
        storeA.call(redis -> redis.publish(ClusterNotices.CHANNEL, ClusterNotices.work("still")));
        assertEquals("still", workAtB.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void aSubscriptionThatWentSilentIsRenewed() throws Exception {
        int before = subscriptionsOfB.get();
        redis.freeze();
        for (int i = 0; i < 10; i++) {
            b.checkAlive();
            Thread.sleep(500);
        }
        redis.thaw();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (subscriptionsOfB.get() == before && System.nanoTime() < deadline) {
            b.checkAlive();
            Thread.sleep(200);
        }
        assertTrue(subscriptionsOfB.get() > before, "the silent subscription was never renewed");
        storeA.call(redis -> redis.publish(ClusterNotices.CHANNEL, ClusterNotices.work("after")));
        assertEquals("after", workAtB.poll(5, TimeUnit.SECONDS));
    }

    private void awaitSubscribed() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (subscriptionsOfB.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(subscriptionsOfB.get() > 0, "never subscribed");
        Thread.sleep(100);
    }
}
