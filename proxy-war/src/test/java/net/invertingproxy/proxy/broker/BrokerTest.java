package net.invertingproxy.proxy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import net.invertingproxy.proxy.config.ProxySettings;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

class BrokerTest {
    private static final String DEFAULT_BACKEND = "default";
    private final MutableClock clock = new MutableClock();

    private Broker<RecordingClient> broker(Map<String, String> overrides) {
        ProxySettings settings = ProxySettings.resolve(overrides::get, Map.of(), Map.of());
        return new Broker<>(settings, clock);
    }

    private Broker<RecordingClient> broker() {
        return broker(Map.of());
    }

    @Test
    void requestWithoutAnyAgentIsRefusedAtOnce() {
        FailureException e = assertThrows(FailureException.class,
                () -> broker().park(DEFAULT_BACKEND, new RecordingClient()));
        assertEquals(Failure.NO_AGENT, e.failure());
        assertEquals(503, e.status());
    }

    @Test
    void onceANamedAgentReadsARequestNoOtherNamedAgentMayAnswerIt() throws Exception {
        Broker<RecordingClient> broker = broker();
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.claimRead(DEFAULT_BACKEND, exchange.id(), "id:reader");

        // A stale copy of the ID, answered unread (as an agent at capacity answers 503), is refused.
        FailureException stale = assertThrows(FailureException.class,
                () -> broker.claimResponse(DEFAULT_BACKEND, exchange.id(), "id:someone-else"));
        assertEquals(Failure.UNKNOWN_REQUEST, stale.failure());
        assertEquals(ExchangeState.READING, exchange.state());
        // The reader answers; an agent that names no ID (the Go agent) is not held to it.
        assertEquals(exchange, broker.claimResponse(DEFAULT_BACKEND, exchange.id(), "id:reader"));
    }

    @Test
    void anAgentThatNamesNoIdMayAnswerWhatItRead() throws Exception {
        Broker<RecordingClient> broker = broker();
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.claimRead(DEFAULT_BACKEND, exchange.id(), null);

        assertEquals(exchange, broker.claimResponse(DEFAULT_BACKEND, exchange.id(), "id:whoever"));
    }

    @Test
    void heldPollReceivesRequestThatArrivesLater() throws Exception {
        Broker<RecordingClient> broker = broker();
        RecordingPoll poll = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, poll);
        assertEquals(0, poll.answers.get());

        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());

        assertEquals(List.of(exchange.id()), poll.ids);
        assertEquals(ExchangeState.HANDED_OUT, exchange.state());
    }

    @Test
    void theNewestHeldPollGetsWorkSoADeadAgentsOldPollIsPassedOver() throws Exception {
        Broker<RecordingClient> broker = broker();
        RecordingPoll oldPoll = new RecordingPoll();
        RecordingPoll newPoll = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, "address:10.0.0.1", oldPoll);
        broker.poll(DEFAULT_BACKEND, "address:10.0.0.2", newPoll);

        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());

        assertEquals(List.of(exchange.id()), newPoll.ids);
        assertEquals(0, oldPoll.answers.get());
    }

    @Test
    void pollTakesEveryRequestAlreadyWaiting() throws Exception {
        Broker<RecordingClient> broker = broker();
        RecordingPoll first = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, first);
        broker.park(DEFAULT_BACKEND, new RecordingClient());
        Exchange<RecordingClient> second = broker.park(DEFAULT_BACKEND, new RecordingClient());
        Exchange<RecordingClient> third = broker.park(DEFAULT_BACKEND, new RecordingClient());

        RecordingPoll next = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, next);

        assertEquals(List.of(second.id(), third.id()), next.ids);
    }

    @Test
    void aPollTakesAtMostItsMaxRequestsAndTheRestWaitInOrderForTheNextPolls() throws Exception {
        Broker<RecordingClient> broker = broker();
        List<String> queued = parkWhileNoPollIsHeld(broker, 250);

        CappedPoll first = new CappedPoll(100);
        broker.poll(DEFAULT_BACKEND, "id:agent", first);
        assertEquals(queued.subList(0, 100), first.ids);
        assertEquals(150, broker.queuedCount(DEFAULT_BACKEND), "the rest stay queued for the next poll");
        assertEquals(0, broker.waitingPollCount(DEFAULT_BACKEND));

        CappedPoll second = new CappedPoll(100);
        broker.poll(DEFAULT_BACKEND, "id:agent", second);
        assertEquals(queued.subList(100, 200), second.ids);
        assertEquals(50, broker.queuedCount(DEFAULT_BACKEND));

        CappedPoll third = new CappedPoll(100);
        broker.poll(DEFAULT_BACKEND, "id:agent", third);
        assertEquals(queued.subList(200, 250), third.ids);
        assertEquals(0, broker.queuedCount(DEFAULT_BACKEND));
        for (String id : queued) {
            assertNotNull(broker.inlineCandidate(DEFAULT_BACKEND, id), "handed out: " + id);
        }

        // Nothing is left: the next poll is held, and each answer was sent exactly once.
        CappedPoll fourth = new CappedPoll(100);
        broker.poll(DEFAULT_BACKEND, "id:agent", fourth);
        assertEquals(0, fourth.answers.get());
        assertEquals(1, broker.waitingPollCount(DEFAULT_BACKEND));
        assertEquals(List.of(1, 1, 1), List.of(first.answers.get(), second.answers.get(), third.answers.get()));
    }

    @Test
    void aPollWithTheDefaultMaxTakesEveryWaitingRequestUpToOneThousand() throws Exception {
        Broker<RecordingClient> broker = broker();
        List<String> queued = parkWhileNoPollIsHeld(broker, 250);

        RecordingPoll all = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, all);

        assertEquals(queued, all.ids);
        assertEquals(0, broker.queuedCount(DEFAULT_BACKEND));

        List<String> many = parkWhileNoPollIsHeld(broker, BackendQueue.MAX_IDS_PER_ANSWER + 1);
        RecordingPoll upToTheBound = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, upToTheBound);
        assertEquals(many.subList(0, 1000), upToTheBound.ids);
        assertEquals(1, broker.queuedCount(DEFAULT_BACKEND));
        RecordingPoll last = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, last);
        assertEquals(many.subList(1000, 1001), last.ids);
    }

    @Test
    void aMaxRequestsAboveTheBoundTakesOneThousandAsTheCompatibleModeDoes() throws Exception {
        Broker<RecordingClient> broker = broker();
        List<String> queued = parkWhileNoPollIsHeld(broker, 1200);

        // The servlet's answer for a poll in the compatible mode names no bound of its own.
        CappedPoll unbounded = new CappedPoll(Integer.MAX_VALUE);
        broker.poll(DEFAULT_BACKEND, unbounded);

        assertEquals(queued.subList(0, 1000), unbounded.ids);
        assertEquals(200, broker.queuedCount(DEFAULT_BACKEND));
    }

    @Test
    void aMaxRequestsOfZeroOrLessCountsAsOne() throws Exception {
        Broker<RecordingClient> broker = broker();
        List<String> queued = parkWhileNoPollIsHeld(broker, 5);

        CappedPoll zero = new CappedPoll(0);
        broker.poll(DEFAULT_BACKEND, zero);
        CappedPoll negative = new CappedPoll(-7);
        broker.poll(DEFAULT_BACKEND, negative);
        CappedPoll lowest = new CappedPoll(Integer.MIN_VALUE);
        broker.poll(DEFAULT_BACKEND, lowest);

        assertEquals(List.of(queued.get(0)), zero.ids);
        assertEquals(List.of(queued.get(1)), negative.ids);
        assertEquals(List.of(queued.get(2)), lowest.ids);
        assertEquals(2, broker.queuedCount(DEFAULT_BACKEND));
    }

    @Test
    void aHeldPollWithASmallMaxStillGetsTheRequestThatArrives() throws Exception {
        Broker<RecordingClient> broker = broker();
        CappedPoll held = new CappedPoll(0);
        broker.poll(DEFAULT_BACKEND, held);
        assertEquals(0, held.answers.get());

        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());

        assertEquals(List.of(exchange.id()), held.ids);
    }

    @Test
    void requestsThatEndedWhileQueuedDoNotCountAgainstAPollsMax() throws Exception {
        Broker<RecordingClient> broker = broker();
        parkWhileNoPollIsHeld(broker, 0);
        List<Exchange<RecordingClient>> queued = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            queued.add(broker.park(DEFAULT_BACKEND, new RecordingClient()));
        }
        // Clients that went away while their requests waited: the first ten, and every tenth after.
        List<String> live = new ArrayList<>();
        for (int i = 0; i < queued.size(); i++) {
            if (i < 10 || i % 10 == 0) {
                assertTrue(broker.finish(queued.get(i)));
            } else {
                live.add(queued.get(i).id());
            }
        }

        CappedPoll first = new CappedPoll(100);
        broker.poll(DEFAULT_BACKEND, "id:agent", first);
        CappedPoll second = new CappedPoll(100);
        broker.poll(DEFAULT_BACKEND, "id:agent", second);

        CappedPoll third = new CappedPoll(100);
        broker.poll(DEFAULT_BACKEND, "id:agent", third);

        assertEquals(216, live.size());
        assertEquals(live.subList(0, 100), first.ids);
        assertEquals(live.subList(100, 200), second.ids);
        assertEquals(live.subList(200, 216), third.ids);
        assertEquals(0, broker.queuedCount(DEFAULT_BACKEND));
    }

    /**
     * Parks {@code count} requests that all stay queued: a first poll takes a warm-up request, so
     * the backend counts as online and no poll is held. Returns their IDs in arrival order.
     */
    private static List<String> parkWhileNoPollIsHeld(Broker<RecordingClient> broker, int count) throws Exception {
        if (broker.waitingPollCount(DEFAULT_BACKEND) == 0 && broker.queuedCount(DEFAULT_BACKEND) == 0) {
            RecordingPoll warmUp = new RecordingPoll();
            broker.poll(DEFAULT_BACKEND, "id:warm-up", warmUp);
            Exchange<RecordingClient> first = broker.park(DEFAULT_BACKEND, new RecordingClient());
            assertEquals(List.of(first.id()), warmUp.ids);
        }
        assertEquals(0, broker.waitingPollCount(DEFAULT_BACKEND));
        int before = broker.queuedCount(DEFAULT_BACKEND);
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(broker.park(DEFAULT_BACKEND, new RecordingClient()).id());
        }
        assertEquals(before + count, broker.queuedCount(DEFAULT_BACKEND));
        return ids;
    }

    /** A poll answer that takes at most {@code max} requests, as an inline poll's does. */
    private static final class CappedPoll implements PollAnswer {
        final AtomicInteger answers = new AtomicInteger();
        final int max;
        volatile List<String> ids;

        CappedPoll(int max) {
            this.max = max;
        }

        @Override
        public void answer(List<String> requestIds) {
            answers.incrementAndGet();
            ids = requestIds;
        }

        @Override
        public int maxRequests() {
            return max;
        }
    }

    @Test
    void backendCountsAsOfflineOnceItsLastPollIsOld() throws Exception {
        Broker<RecordingClient> broker = broker();
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        clock.advance(Duration.ofSeconds(25));
        broker.sweep();
        broker.park(DEFAULT_BACKEND, new RecordingClient()).client();
        clock.advance(Duration.ofSeconds(16));

        FailureException e = assertThrows(FailureException.class,
                () -> broker.park(DEFAULT_BACKEND, new RecordingClient()));
        assertEquals(Failure.NO_AGENT, e.failure());
    }

    @Test
    void heldPollIsAnsweredEmptyWhenItsHoldTimeEnds() throws Exception {
        Broker<RecordingClient> broker = broker(Map.of("poll-hold-seconds", "25"));
        RecordingPoll poll = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, poll);
        clock.advance(Duration.ofSeconds(24));
        broker.sweep();
        assertEquals(0, poll.answers.get());

        clock.advance(Duration.ofSeconds(1));
        broker.sweep();

        assertEquals(1, poll.answers.get());
        assertEquals(List.of(), poll.ids);
    }

    @Test
    void parkedRequestTimesOutWith504AfterRequestTimeout() throws Exception {
        Broker<RecordingClient> broker = broker(Map.of("request-timeout-seconds", "60"));
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        broker.park(DEFAULT_BACKEND, new RecordingClient());
        RecordingClient client = new RecordingClient();
        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, client);

        clock.advance(Duration.ofSeconds(60));
        broker.sweep();
        assertNull(client.failure);

        clock.advance(Duration.ofMillis(1));
        broker.sweep();

        assertEquals(Failure.AGENT_TIMEOUT, client.failure);
        assertEquals(504, client.failure.status());
        assertTrue(exchange.isDone());
        assertEquals(0, broker.exchangeCount());
        assertThrows(FailureException.class, () -> broker.claimResponse(DEFAULT_BACKEND, exchange.id()));
    }

    @Test
    void queueBoundGives503() throws Exception {
        Broker<RecordingClient> broker = broker(Map.of("max-queued-requests", "2"));
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.park(DEFAULT_BACKEND, new RecordingClient());

        FailureException e = assertThrows(FailureException.class,
                () -> broker.park(DEFAULT_BACKEND, new RecordingClient()));
        assertEquals(Failure.QUEUE_FULL, e.failure());
        assertEquals(503, e.status());
        assertEquals(3, broker.exchangeCount());
    }

    @Test
    void exchangeBoundGives503() throws Exception {
        Broker<RecordingClient> broker = broker(Map.of("max-exchanges", "1"));
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        broker.park(DEFAULT_BACKEND, new RecordingClient());

        FailureException e = assertThrows(FailureException.class,
                () -> broker.park(DEFAULT_BACKEND, new RecordingClient()));
        assertEquals(Failure.PROXY_AT_CAPACITY, e.failure());
    }

    @Test
    void requestIsReadOnceAndAnsweredOnce() throws Exception {
        Broker<RecordingClient> broker = broker();
        RecordingPoll poll = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, poll);
        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());

        assertEquals(exchange, broker.claimRead(DEFAULT_BACKEND, exchange.id()));
        assertEquals(Failure.UNKNOWN_REQUEST,
                assertThrows(FailureException.class, () -> broker.claimRead(DEFAULT_BACKEND, exchange.id())).failure());
        assertEquals(exchange, broker.claimResponse(DEFAULT_BACKEND, exchange.id()));
        assertEquals(404,
                assertThrows(FailureException.class, () -> broker.claimResponse(DEFAULT_BACKEND, exchange.id())).status());
    }

    @Test
    void anotherBackendsRequestIdIsRefusedExactlyLikeAnUnknownOne() throws Exception {
        Broker<RecordingClient> broker = broker();
        FailureException unknown = assertThrows(FailureException.class, () -> broker.claimRead(DEFAULT_BACKEND, "nope"));
        assertEquals(Failure.UNKNOWN_REQUEST, unknown.failure());
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());
        FailureException foreign = assertThrows(FailureException.class, () -> broker.claimRead("other", exchange.id()));
        assertEquals(Failure.UNKNOWN_REQUEST, foreign.failure());
        assertEquals(Failure.UNKNOWN_REQUEST, assertThrows(FailureException.class,
                () -> broker.claimResponse("other", exchange.id())).failure());
        // The owner can still take it: the foreign attempt consumed nothing.
        assertEquals(exchange, broker.claimRead(DEFAULT_BACKEND, exchange.id()));
    }

    @Test
    void aBackendNoAgentPolledForHasNoAgent() {
        Broker<RecordingClient> broker = broker();
        assertEquals(Failure.NO_AGENT,
                assertThrows(FailureException.class, () -> broker.park("never-polled", new RecordingClient())).failure());
    }

    @Test
    void removingABackendAnswersItsPollsAndWaitingClientsButNotOthers() throws Exception {
        Broker<RecordingClient> broker = broker();
        broker.poll("other", new RecordingPoll());
        RecordingClient otherClient = new RecordingClient();
        broker.park("other", otherClient);
        RecordingPoll held = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, held);
        broker.poll(DEFAULT_BACKEND, new RecordingPoll()).cancel();
        RecordingClient waiting = new RecordingClient();
        // The held poll takes the first request; the second waits in the queue.
        broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.park(DEFAULT_BACKEND, waiting);

        broker.removeBackend(DEFAULT_BACKEND);

        assertEquals(Failure.NO_AGENT, waiting.failure);
        assertEquals(0, otherClient.failures.get());
        assertFalse(broker.backendIds().contains(DEFAULT_BACKEND));
        assertTrue(broker.backendIds().contains("other"));
        assertEquals(Failure.NO_AGENT,
                assertThrows(FailureException.class, () -> broker.park(DEFAULT_BACKEND, new RecordingClient())).failure());
    }

    @Test
    void removingABackendEndsWhatItsAgentsStartedUnlessTheAnswerStreams() throws Exception {
        Broker<RecordingClient> broker = broker();
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        Exchange<RecordingClient> streaming = broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        Exchange<RecordingClient> read = broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        Exchange<RecordingClient> beingRead = broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.claimResponse(DEFAULT_BACKEND, streaming.id());
        broker.readFinished(broker.claimRead(DEFAULT_BACKEND, read.id()));
        broker.claimRead(DEFAULT_BACKEND, beingRead.id());

        broker.removeBackend(DEFAULT_BACKEND);

        assertFalse(streaming.isDone(), "an answer already streaming is left to finish");
        assertEquals(Failure.NO_AGENT, read.client().failure, "a delivered request can no longer be answered");
        assertEquals("the backend was deleted", read.client().reason);
        // The client's body is still being read: it is answered once the reader lets go of it.
        assertEquals(0, beingRead.client().failures.get());
        broker.readFinished(beingRead);
        assertEquals(Failure.NO_AGENT, beingRead.client().failure);
        assertEquals(1, beingRead.client().failures.get());
        assertEquals(1, broker.exchangeCount(), "only the streaming exchange is left");
    }

    @Test
    void anAgentThatSignsOffHasItsHeldPollsAnsweredAndGetsNoMoreWork() throws Exception {
        Broker<RecordingClient> broker = broker();
        RecordingPoll survivor = new RecordingPoll();
        RecordingPoll leaving = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, "id:survivor", survivor);
        broker.poll(DEFAULT_BACKEND, "id:leaving", leaving);
        assertEquals(2, broker.connectedAgentCount(DEFAULT_BACKEND));

        broker.signOff(DEFAULT_BACKEND, "id:leaving");

        assertEquals(List.of(), leaving.ids);
        assertEquals(1, broker.connectedAgentCount(DEFAULT_BACKEND));
        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());
        assertEquals(List.of(exchange.id()), survivor.ids, "the newest poll was the leaving agent's; work skips it");
        assertEquals(1, leaving.answers.get());
    }

    @Test
    void anInlineRequestCountsAsDeliveredOnlyWhenItsAgentSaysItTookIt() throws Exception {
        Broker<RecordingClient> broker = broker(Map.of("claim-timeout-seconds", "10", "request-timeout-seconds", "60"));
        RecordingPoll poll = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, "id:agent", poll);
        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());
        assertSame(exchange, broker.inlineCandidate(DEFAULT_BACKEND, exchange.id()));
        broker.inlined(exchange, "id:agent");

        assertEquals(List.of(), broker.settleInline("id:other", Set.of(exchange.id())), "another agent's poll confirms nothing");
        assertEquals(List.of(exchange), broker.settleInline("id:agent", Set.of(exchange.id())));

        assertEquals(ExchangeState.READING, exchange.state());
        assertNull(broker.inlineCandidate(DEFAULT_BACKEND, exchange.id()), "a delivered request is not inlined twice");
        // Delivered: a slow backend is no reason to hand it out again; the request timeout applies.
        clock.advance(Duration.ofSeconds(30));
        broker.sweep();
        assertEquals(ExchangeState.READING, exchange.state());
        clock.advance(Duration.ofSeconds(31));
        broker.sweep();
        assertEquals(Failure.AGENT_TIMEOUT, exchange.client().failure);
    }

    /**
     * The agent starts an inline request before its next poll confirms it, so its answer and that
     * confirmation reach the proxy together. Whichever lands first, the answer must be taken:
     * refused, the client waited for the request timeout.
     */
    @Test
    void theAnswerToAnInlineRequestIsTakenWhateverItsConfirmationDoesMeanwhile() throws Exception {
        Broker<RecordingClient> broker = broker();
        int rounds = 10_000;
        int confirmedFirst = 0;
        for (int round = 0; round < rounds; round++) {
            broker.poll(DEFAULT_BACKEND, "id:agent", new RecordingPoll());
            Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());
            broker.inlined(exchange, "id:agent");
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.CompletableFuture<List<Exchange<RecordingClient>>> confirmation =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        await(start);
                        return broker.settleInline("id:agent", Set.of(exchange.id()));
                    });
            await(start);
            Exchange<RecordingClient> claimed = broker.claimResponse(DEFAULT_BACKEND, exchange.id());

            assertSame(exchange, claimed, "round " + round);
            assertEquals(ExchangeState.RESPONDING, exchange.state(), "round " + round);
            if (!confirmation.get(5, java.util.concurrent.TimeUnit.SECONDS).isEmpty()) {
                confirmedFirst++;
            }
            broker.finish(exchange);
        }
        // Both orders happened, so the race was really run (the answer alone would pass anyway).
        assertTrue(confirmedFirst > 0 && confirmedFirst < rounds, confirmedFirst + " of " + rounds + " confirmed first");
    }

    private static void await(java.util.concurrent.CyclicBarrier barrier) {
        try {
            barrier.await(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anInlineRequestWhoseAgentNeverPollsAgainIsHandedOutAgainAfterTheClaimTimeout() throws Exception {
        Broker<RecordingClient> broker = broker(Map.of("claim-timeout-seconds", "10"));
        broker.poll(DEFAULT_BACKEND, "id:dead", new RecordingPoll());
        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.inlined(exchange, "id:dead");
        RecordingPoll survivor = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, "id:survivor", survivor);

        clock.advance(Duration.ofSeconds(11));
        broker.sweep();

        assertEquals(List.of(exchange.id()), survivor.ids);
        // The dead agent's late poll confirms nothing: the request now belongs to the survivor.
        assertEquals(List.of(), broker.settleInline("id:dead", Set.of(exchange.id())));
        assertEquals(ExchangeState.HANDED_OUT, exchange.state());
    }

    @Test
    void anInlineRequestTheAgentsNextPollDoesNotNameIsHandedOutAgainAtOnce() throws Exception {
        Broker<RecordingClient> broker = broker();
        broker.poll(DEFAULT_BACKEND, "id:agent", new RecordingPoll());
        Exchange<RecordingClient> lost = broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.inlined(lost, "id:agent");
        RecordingPoll next = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, "id:other", next);

        // The answer never reached the agent (its poll connection broke): its next poll names nothing.
        assertEquals(List.of(), broker.settleInline("id:agent", Set.of()));

        assertEquals(List.of(lost.id()), next.ids);
        assertEquals(ExchangeState.HANDED_OUT, lost.state());
    }

    @Test
    void anAgentThatSignsOffHandsItsUnconfirmedInlineRequestsBackAtOnce() throws Exception {
        Broker<RecordingClient> broker = broker();
        broker.poll(DEFAULT_BACKEND, "id:leaving", new RecordingPoll());
        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.inlined(exchange, "id:leaving");
        RecordingPoll survivor = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, "id:survivor", survivor);

        broker.signOff(DEFAULT_BACKEND, "id:leaving");

        assertEquals(List.of(exchange.id()), survivor.ids);
    }

    @Test
    void requestNeverReadIsHandedToTheNextPoll() throws Exception {
        Broker<RecordingClient> broker = broker(Map.of("claim-timeout-seconds", "10"));
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());
        RecordingPoll survivor = new RecordingPoll();
        clock.advance(Duration.ofSeconds(5));
        broker.poll(DEFAULT_BACKEND, survivor);
        broker.sweep();
        assertEquals(0, survivor.answers.get());

        clock.advance(Duration.ofSeconds(6));
        broker.sweep();

        assertEquals(List.of(exchange.id()), survivor.ids);
        assertEquals(ExchangeState.HANDED_OUT, exchange.state());
    }

    @Test
    void readingStopsTheTimeoutUntilTheRequestIsDelivered() throws Exception {
        Broker<RecordingClient> broker = broker(Map.of("request-timeout-seconds", "60"));
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        RecordingClient client = new RecordingClient();
        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, client);
        broker.claimRead(DEFAULT_BACKEND, exchange.id());

        clock.advance(Duration.ofMinutes(5));
        broker.sweep();
        assertNull(client.failure);

        broker.readFinished(exchange);
        clock.advance(Duration.ofSeconds(61));
        broker.sweep();
        assertEquals(Failure.AGENT_TIMEOUT, client.failure);
    }

    @Test
    void cancelledPollGetsNoWork() throws Exception {
        Broker<RecordingClient> broker = broker();
        RecordingPoll gone = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, gone).cancel();
        RecordingPoll alive = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, alive);

        Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, new RecordingClient());

        assertEquals(0, gone.answers.get());
        assertEquals(List.of(exchange.id()), alive.ids);
    }

    @Test
    void pollBeyondTheBoundIsRefusedSoTheAgentBacksOff() throws Exception {
        Broker<RecordingClient> broker = broker(Map.of("max-waiting-polls", "1"));
        RecordingPoll first = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, first);

        FailureException e = assertThrows(FailureException.class, () -> broker.poll(DEFAULT_BACKEND, new RecordingPoll()));

        assertEquals(Failure.TOO_MANY_POLLS, e.failure());
        assertEquals(503, e.status());
        assertEquals(0, first.answers.get());
    }

    @Test
    void shutdownAnswersHeldPollsAndRefusesNewOnes() throws Exception {
        Broker<RecordingClient> broker = broker();
        RecordingPoll held = new RecordingPoll();
        broker.poll(DEFAULT_BACKEND, held);

        broker.shutdown();

        assertEquals(List.of(), held.ids, "a held poll is answered at once, so its agent polls elsewhere");
        RecordingPoll late = new RecordingPoll();
        assertEquals(Failure.SHUTTING_DOWN,
                assertThrows(FailureException.class, () -> broker.poll(DEFAULT_BACKEND, late)).failure());
        assertEquals(0, late.answers.get());
        assertFalse(broker.isAccepting());
    }

    @Test
    void shutdownRefusesWaitingRequestsAndLetsStartedOnesFinish() throws Exception {
        Broker<RecordingClient> broker = broker();
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        Exchange<RecordingClient> responding = broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        Exchange<RecordingClient> reading = broker.park(DEFAULT_BACKEND, new RecordingClient());
        broker.poll(DEFAULT_BACKEND, new RecordingPoll());
        RecordingClient handedOut = new RecordingClient();
        broker.park(DEFAULT_BACKEND, handedOut);
        RecordingClient queued = new RecordingClient();
        broker.park(DEFAULT_BACKEND, queued);
        broker.claimResponse(DEFAULT_BACKEND, responding.id());
        broker.claimRead(DEFAULT_BACKEND, reading.id());

        broker.shutdown();

        assertEquals(Failure.SHUTTING_DOWN, handedOut.failure);
        assertEquals(Failure.SHUTTING_DOWN, queued.failure);
        assertFalse(responding.isDone(), "a response already streaming is left to finish");
        assertFalse(reading.isDone(), "a request an agent is reading is left to finish");
        assertEquals(Failure.SHUTTING_DOWN,
                assertThrows(FailureException.class, () -> broker.park(DEFAULT_BACKEND, new RecordingClient())).failure());
    }

    @Test
    void timeoutAndAnswerRacingEndTheExchangeExactlyOnce() throws Exception {
        for (int round = 0; round < 200; round++) {
            Broker<RecordingClient> broker = broker(Map.of("request-timeout-seconds", "1"));
            broker.poll(DEFAULT_BACKEND, new RecordingPoll());
            RecordingClient client = new RecordingClient();
            Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, client);
            clock.advance(Duration.ofSeconds(2));
            AtomicInteger answered = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            Thread agent = new Thread(() -> {
                await(start);
                try {
                    broker.claimResponse(DEFAULT_BACKEND, exchange.id());
                    answered.incrementAndGet();
                } catch (FailureException e) {
                    // lost the race to the timeout
                }
            });
            Thread sweeper = new Thread(() -> {
                await(start);
                broker.sweep();
            });
            agent.start();
            sweeper.start();
            start.countDown();
            agent.join();
            sweeper.join();

            assertEquals(1, answered.get() + client.failures.get(), "round " + round);
        }
    }

    /*
     * Three things can end a parked exchange, each on its own thread: the client going away (the
     * servlet calls finish), an agent's answer (claimResponse, then finish once relayed, as
     * ResponseServlet does) and the request timeout (sweep). Whatever the interleaving, exactly
     * one of them ends it, the client is failed at most once, and the broker forgets it.
     */
    @Test
    void clientAbortAnswerAndTimeoutRacingEndTheExchangeExactlyOnce() throws Exception {
        Random random = new Random(42);
        Map<String, Integer> wins = new TreeMap<>();
        for (int round = 0; round < 600; round++) {
            Broker<RecordingClient> broker = broker(Map.of("request-timeout-seconds", "1"));
            RecordingPoll poll = new RecordingPoll();
            broker.poll(DEFAULT_BACKEND, poll);
            RecordingClient client = new RecordingClient();
            Exchange<RecordingClient> exchange = broker.park(DEFAULT_BACKEND, client);
            assertEquals(List.of(exchange.id()), poll.ids);
            // Half the rounds race while the agent has already read the request: an answer is
            // then claimed from READING rather than HANDED_OUT.
            if (round % 2 == 1) {
                broker.claimRead(DEFAULT_BACKEND, exchange.id());
                broker.readFinished(exchange);
            }
            clock.advance(Duration.ofSeconds(2));

            AtomicBoolean abortEnded = new AtomicBoolean();
            AtomicBoolean answerClaimed = new AtomicBoolean();
            AtomicBoolean answerEnded = new AtomicBoolean();
            // Small random head starts vary which leg comes first from round to round.
            long[] delays = {random.nextInt(50_000), random.nextInt(50_000), random.nextInt(50_000)};
            CountDownLatch start = new CountDownLatch(1);
            Thread clientGone = new Thread(() -> {
                awaitThenSpin(start, delays[0]);
                abortEnded.set(broker.finish(exchange));
            });
            Thread agent = new Thread(() -> {
                awaitThenSpin(start, delays[1]);
                try {
                    broker.claimResponse(DEFAULT_BACKEND, exchange.id());
                    answerClaimed.set(true);
                    answerEnded.set(broker.finish(exchange));
                } catch (FailureException e) {
                    // the exchange was already ended or timed out
                }
            });
            Thread sweeper = new Thread(() -> {
                awaitThenSpin(start, delays[2]);
                broker.sweep();
            });
            clientGone.start();
            agent.start();
            sweeper.start();
            start.countDown();
            clientGone.join();
            agent.join();
            sweeper.join();

            String state = "round " + round + ": abort ended " + abortEnded + ", answer claimed " + answerClaimed
                    + " and ended " + answerEnded + ", client failed " + client.failures + " times";
            boolean timedOut = client.failures.get() == 1;
            assertTrue(client.failures.get() <= 1, state);
            if (timedOut) {
                assertEquals(Failure.AGENT_TIMEOUT, client.failure, state);
            }
            // A timeout and an answer exclude each other: once either wins, the other is refused.
            assertFalse(timedOut && answerClaimed.get(), state);
            int enders = (abortEnded.get() ? 1 : 0) + (answerEnded.get() ? 1 : 0) + (timedOut ? 1 : 0);
            assertEquals(1, enders, state);
            assertTrue(exchange.isDone(), state);
            assertEquals(0, broker.exchangeCount(), state);
            wins.merge(abortEnded.get() ? "abort" : answerEnded.get() ? "answer" : "timeout", 1, Integer::sum);
        }
        // Each leg won some rounds, so every pairing of the race was really run.
        assertEquals(Set.of("abort", "answer", "timeout"), wins.keySet(), wins.toString());
    }

    private static void awaitThenSpin(CountDownLatch latch, long nanos) {
        await(latch);
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void connectedAgentsAreThoseThatPolledLately() throws Exception {
        Broker<RecordingClient> broker = broker(Map.of("agent-offline-after-seconds", "15", "poll-hold-seconds", "5"));
        broker.poll(DEFAULT_BACKEND, "agent-a", new RecordingPoll());
        broker.poll(DEFAULT_BACKEND, "agent-b", new RecordingPoll());
        broker.poll(DEFAULT_BACKEND, "agent-a", new RecordingPoll());
        assertEquals(2, broker.connectedAgentCount(DEFAULT_BACKEND));

        clock.advance(Duration.ofSeconds(10));
        broker.poll(DEFAULT_BACKEND, "agent-b", new RecordingPoll());
        clock.advance(Duration.ofSeconds(6));
        broker.sweep();

        assertEquals(1, broker.connectedAgentCount(DEFAULT_BACKEND), "agent-a went silent");
    }
}
