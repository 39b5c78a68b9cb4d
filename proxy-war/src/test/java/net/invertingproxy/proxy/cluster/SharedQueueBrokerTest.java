package net.invertingproxy.proxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import redis.clients.jedis.RedisClient;

import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.broker.ClientSide;
import net.invertingproxy.proxy.broker.Exchange;
import net.invertingproxy.proxy.broker.MutableClock;
import net.invertingproxy.proxy.broker.PollAnswer;
import net.invertingproxy.proxy.config.ProxySettings;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * Two brokers, as two instances, sharing one real Redis through the shared queue, the membership
 * and the notices: a request parked on one reaches a poll held on the other; the bound, the claim
 * timeout and a departed instance's IDs behave as with one broker.
 */
class SharedQueueBrokerTest {
    private static final String BACKEND = "orders";

    private RedisServer redis;
    private RedisClient raw;
    private final MutableClock clock = new MutableClock();
    private final List<Instance> instances = new ArrayList<>();

    /** One instance's broker and its cluster parts. */
    private static final class Instance implements AutoCloseable {
        final ClusterStore store;
        final ClusterRequestIds ids = new ClusterRequestIds(ClusterRequestIds.newInstanceId());
        final ClusterMembers members;
        final Broker<Client> broker;
        final ClusterNotices notices;

        Instance(String redisUrl, ProxySettings settings, MutableClock clock, Duration expiry) {
            store = ClusterStore.connect(URI.create(redisUrl));
            Broker<Client>[] holder = new Broker[1];
            members = new ClusterMembers(store, ids.instanceId(), "http://127.0.0.1:1/", expiry,
                    () -> holder[0].backendIds().stream().filter(id -> holder[0].connectedAgentCount(id) > 0).toList());
            broker = new Broker<>(settings, clock, ids, new RedisSharedQueue(store, members,
                    settings.maxQueuedRequests(), settings.claimTimeout(), Duration.ofMinutes(2)));
            holder[0] = broker;
            notices = new ClusterNotices(store, ids.instanceId(), new ClusterNotices.Handlers(broker::pullShared,
                    broker::signOff, (agent, taken) -> broker.settleInline(agent, taken), () -> { }));
        }

        @Override
        public void close() {
            notices.close();
            store.close();
        }
    }

    /** A client end that records its failure. */
    private static final class Client implements ClientSide {
        volatile Failure failure;

        @Override
        public void fail(Failure failure, String reason) {
            this.failure = failure;
        }
    }

    /** A poll answer the test can wait for. */
    private static final class Poll implements PollAnswer {
        final CompletableFuture<List<String>> ids = new CompletableFuture<>();

        @Override
        public void answer(List<String> requestIds) {
            ids.complete(requestIds);
        }
    }

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start();
        raw = RedisClient.create("127.0.0.1", redis.port());
    }

    @AfterEach
    void stop() throws Exception {
        instances.forEach(Instance::close);
        raw.close();
        redis.close();
    }

    private Instance instance(Map<String, String> overrides) {
        return instance(overrides, Duration.ofSeconds(5));
    }

    private Instance instance(Map<String, String> overrides, Duration expiry) {
        Map<String, String> settings = new java.util.HashMap<>(overrides);
        settings.put("poll-hold-seconds", "2");
        Instance instance = new Instance(redis.url(), ProxySettings.resolve(settings::get, Map.of(), Map.of()), clock, expiry);
        instances.add(instance);
        return instance;
    }

    // Twice round: each instance reads the entries of all, its own written before the others read.
    private static void beat(Instance... all) {
        for (int round = 0; round < 2; round++) {
            for (Instance instance : all) {
                instance.members.beat();
            }
        }
    }

    // An agent polled the instance, its poll was answered empty: it counts as connected, holds no poll.
    private void agentBetweenPolls(Instance instance) throws Exception {
        Poll poll = new Poll();
        instance.broker.poll(BACKEND, "id:agent-" + instance.ids.instanceId(), poll);
        clock.advance(Duration.ofSeconds(3));
        instance.broker.sweep();
        assertEquals(List.of(), poll.ids.get(1, TimeUnit.SECONDS));
    }

    private long queued() {
        return raw.llen(RedisSharedQueue.QUEUE_KEY_PREFIX + BACKEND);
    }

    @Test
    void aRequestParkedOnOneInstanceReachesAPollHeldOnAnother() throws Exception {
        Instance a = instance(Map.of());
        Instance b = instance(Map.of());
        Poll held = new Poll();
        b.broker.poll(BACKEND, "id:agent", held);
        beat(a, b);

        Exchange<Client> exchange = a.broker.park(BACKEND, new Client());

        assertEquals(List.of(exchange.id()), held.ids.get(5, TimeUnit.SECONDS));
        assertTrue(exchange.id().startsWith(a.ids.instanceId() + "-"), exchange.id());
        assertTrue(exchange.isShared());
        assertEquals(0, queued());
        // The agent's read reaches the home instance (relayed there), which hands the request over once.
        assertEquals(exchange, a.broker.claimRead(BACKEND, exchange.id()));
    }

    @Test
    void withNoAgentOnAnyInstanceTheClientGets503AtOnce() {
        Instance a = instance(Map.of());
        Instance b = instance(Map.of());
        beat(a, b);

        FailureException refused = assertThrows(FailureException.class, () -> a.broker.park(BACKEND, new Client()));

        assertEquals(Failure.NO_AGENT, refused.failure());
        assertEquals(0, queued());
    }

    @Test
    void aRequestNobodyReadsIsOfferedAgainOnceAndTakenOnce() throws Exception {
        Instance a = instance(Map.of());
        Instance b = instance(Map.of());
        agentBetweenPolls(b);
        beat(a, b);
        Exchange<Client> exchange = a.broker.park(BACKEND, new Client());
        assertEquals(1, queued());

        clock.advance(Duration.ofSeconds(11));
        a.broker.sweep();
        a.broker.sweep();

        assertEquals(List.of(exchange.id()), raw.lrange(RedisSharedQueue.QUEUE_KEY_PREFIX + BACKEND, 0, -1));
        Poll next = new Poll();
        b.broker.poll(BACKEND, "id:agent", next);
        assertEquals(List.of(exchange.id()), next.ids.get(5, TimeUnit.SECONDS));
        assertEquals(0, queued());
    }

    @Test
    void anIdTakenButNeverReadIsOfferedAgainAfterTheClaimTimeoutAndOnlyThen() throws Exception {
        Instance a = instance(Map.of("claim-timeout-seconds", "1"));
        Instance b = instance(Map.of("claim-timeout-seconds", "1"));
        agentBetweenPolls(b);
        beat(a, b);
        Exchange<Client> exchange = a.broker.park(BACKEND, new Client());
        Poll first = new Poll();
        b.broker.poll(BACKEND, "id:agent-that-dies", first);
        assertEquals(List.of(exchange.id()), first.ids.get(5, TimeUnit.SECONDS));

        // Its taker's claim timeout has not passed in Redis yet: the home's sweep leaves it alone.
        clock.advance(Duration.ofSeconds(2));
        a.broker.sweep();
        assertEquals(0, queued());

        Thread.sleep(1100);
        clock.advance(Duration.ofSeconds(2));
        a.broker.sweep();
        assertEquals(List.of(exchange.id()), raw.lrange(RedisSharedQueue.QUEUE_KEY_PREFIX + BACKEND, 0, -1));
        Poll second = new Poll();
        b.broker.poll(BACKEND, "id:another-agent", second);
        assertEquals(List.of(exchange.id()), second.ids.get(5, TimeUnit.SECONDS));
        // The second taker reads it; the first, had it lived, may no longer answer it.
        a.broker.claimRead(BACKEND, exchange.id(), "id:another-agent");
        FailureException stale = assertThrows(FailureException.class,
                () -> a.broker.claimResponse(BACKEND, exchange.id(), "id:agent-that-dies"));
        assertEquals(Failure.UNKNOWN_REQUEST, stale.failure());
        assertEquals(exchange, a.broker.claimResponse(BACKEND, exchange.id(), "id:another-agent"));
    }

    @Test
    void anInlineConfirmationWhoseNoticeWasLostIsFoundInRedis() throws Exception {
        Instance a = instance(Map.of("claim-timeout-seconds", "1"));
        Instance b = instance(Map.of("claim-timeout-seconds", "1"));
        agentBetweenPolls(b);
        beat(a, b);
        Exchange<Client> exchange = a.broker.park(BACKEND, new Client());
        Poll poll = new Poll();
        b.broker.poll(BACKEND, "id:agent", poll);
        assertEquals(List.of(exchange.id()), poll.ids.get(5, TimeUnit.SECONDS));
        // The agent's next poll, on another instance, names the ID; only Redis hears of it.
        new RedisSharedQueue(b.store, b.members, 100, Duration.ofSeconds(1), Duration.ofMinutes(1))
                .confirmInline("id:agent", java.util.Set.of(exchange.id()));

        Thread.sleep(1100);
        clock.advance(Duration.ofSeconds(2));
        a.broker.sweep();

        assertEquals(net.invertingproxy.proxy.broker.ExchangeState.READING, exchange.state());
        assertEquals(0, queued());
    }

    @Test
    void aRequestThatTimedOutWhileItWaitedIsNeverHandedToAnAgent() throws Exception {
        Instance a = instance(Map.of("request-timeout-seconds", "5"));
        Instance b = instance(Map.of());
        agentBetweenPolls(b);
        beat(a, b);
        Client client = new Client();
        a.broker.park(BACKEND, client);

        clock.advance(Duration.ofSeconds(6));
        a.broker.sweep();
        assertEquals(Failure.AGENT_TIMEOUT, client.failure);

        Poll poll = new Poll();
        b.broker.poll(BACKEND, "id:agent", poll);
        assertEquals(0, queued());
        assertTrue(!poll.ids.isDone(), "an agent was handed a request that had timed out: " + poll.ids.getNow(null));
    }

    @Test
    void requestsThatWaitedLocallyDuringAnOutageGoToTheSharedQueueOnceRedisIsBack() throws Exception {
        Instance a = instance(Map.of());
        Instance b = instance(Map.of());
        agentBetweenPolls(a);
        beat(a, b);
        redis.kill();
        Exchange<Client> parked = a.broker.park(BACKEND, new Client());
        assertEquals(1, a.broker.queuedCount(BACKEND));

        redis.startAgain();
        raw.close();
        raw = RedisClient.create("127.0.0.1", redis.port());
        // A's first call after the restart may meet a pooled connection the restart broke: its
        // sweep, once a second, tries again.
        for (int i = 0; i < 20 && a.broker.queuedCount(BACKEND) > 0; i++) {
            Thread.sleep(300);
            clock.advance(Duration.ofMillis(1100));
            a.broker.sweep();
        }

        assertEquals(0, a.broker.queuedCount(BACKEND));
        assertEquals(1, queued());
        Poll poll = new Poll();
        b.broker.poll(BACKEND, "id:agent", poll);
        // B's first call after the restart may meet a connection the restart broke; its sweep asks again.
        for (int i = 0; i < 20 && !poll.ids.isDone(); i++) {
            Thread.sleep(300);
            clock.advance(Duration.ofMillis(1100));
            b.broker.sweep();
        }
        assertEquals(List.of(parked.id()), poll.ids.get(5, TimeUnit.SECONDS));
    }

    @Test
    void theQueueBoundHoldsAcrossInstances() throws Exception {
        Instance a = instance(Map.of("max-queued-requests", "3"));
        Instance b = instance(Map.of("max-queued-requests", "3"));
        agentBetweenPolls(a);
        agentBetweenPolls(b);
        beat(a, b);
        a.broker.park(BACKEND, new Client());
        b.broker.park(BACKEND, new Client());
        a.broker.park(BACKEND, new Client());

        FailureException full = assertThrows(FailureException.class, () -> b.broker.park(BACKEND, new Client()));

        assertEquals(Failure.QUEUE_FULL, full.failure());
        assertEquals(3, queued());
    }

    @Test
    void idsOfAnInstanceThatLeftAreDroppedWhenTaken() throws Exception {
        Instance a = instance(Map.of(), Duration.ofMillis(300));
        Instance gone = instance(Map.of());
        beat(a, gone);
        gone.members.leave();
        beat(a);
        Thread.sleep(400);
        beat(a);
        assertTrue(a.members.hasLeft(gone.ids.instanceId()));
        String orphan = gone.ids.next();
        String newcomer = "zzzzzzzzzz-" + "C".repeat(22);
        raw.rpush(RedisSharedQueue.QUEUE_KEY_PREFIX + BACKEND, orphan, newcomer);
        raw.sadd(RedisSharedQueue.WAITING_KEY_PREFIX + BACKEND, orphan, newcomer);

        Poll held = new Poll();
        a.broker.poll(BACKEND, "id:agent", held);

        // An instance this one has not seen yet (it may have joined a moment ago) is not taken for gone.
        assertEquals(List.of(newcomer), held.ids.get(5, TimeUnit.SECONDS));
        assertEquals(0, queued());
    }

    @Test
    void withRedisDownAnAgentPollingHereStillTakesRequestsAndOthersGetACleanRefusal() throws Exception {
        Instance a = instance(Map.of());
        Instance b = instance(Map.of());
        agentBetweenPolls(a);
        beat(a, b);
        redis.kill();

        Client local = new Client();
        Exchange<Client> parked = a.broker.park(BACKEND, local);
        Poll poll = new Poll();
        a.broker.poll(BACKEND, "id:agent", poll);
        assertEquals(List.of(parked.id()), poll.ids.get(5, TimeUnit.SECONDS));
        assertNull(local.failure);

        FailureException refused = assertThrows(FailureException.class, () -> b.broker.park(BACKEND, new Client()));
        assertEquals(Failure.CLUSTER_UNAVAILABLE, refused.failure());
        assertEquals(503, refused.status());
        assertTrue(refused.getMessage().contains("Redis at 127.0.0.1:" + redis.port()), refused.getMessage());
        assertTrue(!b.store.isReachable(), "the outage was not noticed");
    }
}
