package net.invertingproxy.proxy.broker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

import net.invertingproxy.proxy.config.ProxySettings;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * Parks client exchanges, hands their IDs to polling agents and finds them again when an agent
 * reads or answers one. Every collection it holds is bounded by a setting; time comes from an
 * injected clock and expiry happens in {@link #sweep()}, so the logic is tested without sleeping.
 */
public final class Broker<C extends ClientSide> {
    private static final System.Logger LOG = System.getLogger(Broker.class.getName());

    // The shared queue is asked again for work at least this often, in case a notice was lost.
    private static final Duration SHARED_PULL_INTERVAL = Duration.ofSeconds(1);
    // Bounds one pull: IDs whose exchanges ended meanwhile are dropped, and taking goes on.
    private static final int MAX_TAKES_PER_PULL = 64;

    private final ProxySettings settings;
    private final Clock clock;
    private final RequestIdSource requestIds;
    private final SharedQueue shared;
    private volatile Instant lastSharedPull = Instant.MIN;
    private final Map<String, BackendQueue<C>> backends = new ConcurrentHashMap<>();
    private final Map<String, AgentRoster> rosters = new ConcurrentHashMap<>();
    private final Map<String, Exchange<C>> exchanges = new ConcurrentHashMap<>();
    // Per agent, the requests its last poll answers carried inline and it has not yet confirmed.
    private final Map<String, Queue<Exchange<C>>> unconfirmedInline = new ConcurrentHashMap<>();
    private volatile boolean accepting = true;
    // Told the backend whose count of connected agents changed; must return at once.
    private volatile Consumer<String> agentsChanged = backendId -> { };

    /**
     * A broker whose backends are whatever the callers name: callers check a backend exists (the
     * registry) before they park or poll for it, and {@link #removeBackend} forgets a deleted one.
     */
    public Broker(ProxySettings settings, Clock clock) {
        this(settings, clock, RequestIdSource.SINGLE, SharedQueue.NONE);
    }

    /**
     * A broker of one instance among several: its IDs name it ({@code requestIds}), and requests
     * no poll held here takes wait in {@code shared}, where any instance's agents find them.
     */
    public Broker(ProxySettings settings, Clock clock, RequestIdSource requestIds, SharedQueue shared) {
        this.settings = settings;
        this.clock = clock;
        this.requestIds = requestIds;
        this.shared = shared;
    }

    /**
     * Tells {@code listener} the ID of a backend whose {@link #connectedAgentCount} changed (an
     * agent joined, signed off, went silent, or the backend was removed). It is called on request
     * and sweeper threads, so it must only note the change and return.
     */
    public void onAgentsChanged(Consumer<String> listener) {
        this.agentsChanged = listener;
    }

    /** Parks a client request for the backend and returns its exchange, or fails at once (no agent, full, closing). */
    public Exchange<C> park(String backendId, C client) throws FailureException {
        if (!accepting) {
            throw new FailureException(Failure.SHUTTING_DOWN);
        }
        if (shared.isShared()) {
            return parkShared(backendId, client);
        }
        BackendQueue<C> queue = backends.get(backendId);
        if (queue == null) {
            // No agent has ever polled for it since the proxy started.
            throw new FailureException(Failure.NO_AGENT);
        }
        if (exchanges.size() >= settings.maxExchanges()) {
            throw new FailureException(Failure.PROXY_AT_CAPACITY);
        }
        Instant now = clock.instant();
        return parkLocally(queue, newExchange(backendId, client, now), now);
    }

    private Exchange<C> newExchange(String backendId, C client, Instant now) {
        Exchange<C> exchange = new Exchange<>(requestIds.next(), backendId, client, now,
                now.plus(settings.requestTimeout()));
        exchanges.put(exchange.id(), exchange);
        return exchange;
    }

    // A poll held here takes the request at once, with no store in between; otherwise it goes to
    // the shared queue for any instance's agent. With the store unreachable, an agent polling here
    // can still take it from the local queue; with none, the client gets a 503 that says why.
    private Exchange<C> parkShared(String backendId, C client) throws FailureException {
        if (exchanges.size() >= settings.maxExchanges()) {
            throw new FailureException(Failure.PROXY_AT_CAPACITY);
        }
        BackendQueue<C> queue = queueOf(backendId);
        Instant now = clock.instant();
        Exchange<C> exchange = newExchange(backendId, client, now);
        BackendQueue.Handoff handoff = queue.handToWaitingPoll(exchange, now);
        if (handoff != null) {
            handoff.send();
            return exchange;
        }
        boolean agentHere = queue.hasAgentSince(now.minus(settings.agentOfflineAfter()));
        try {
            if (!agentHere && !shared.agentsElsewhere(backendId)) {
                throw new FailureException(Failure.NO_AGENT);
            }
            exchange.offerShared(now);
            shared.offer(backendId, exchange.id());
            return exchange;
        } catch (FailureException e) {
            if (e.failure() == Failure.CLUSTER_UNAVAILABLE && agentHere && exchange.requeue()) {
                return parkLocally(queue, exchange, now);
            }
            exchanges.remove(exchange.id());
            exchange.finish();
            throw e;
        }
    }

    private Exchange<C> parkLocally(BackendQueue<C> queue, Exchange<C> exchange, Instant now) throws FailureException {
        BackendQueue.Handoff handoff;
        try {
            handoff = queue.enqueue(exchange, now);
        } catch (FailureException e) {
            exchanges.remove(exchange.id());
            exchange.finish();
            throw e;
        }
        if (handoff != null) {
            handoff.send();
        }
        return exchange;
    }

    private BackendQueue<C> queueOf(String backendId) {
        return backends.computeIfAbsent(backendId, id -> new BackendQueue<>(
                settings.maxQueuedRequests(), settings.maxWaitingPolls(), settings.agentOfflineAfter()));
    }

    /**
     * Hands IDs waiting in the shared queue to the polls held here for the backend, as many as
     * they take. Called when a poll starts waiting, when another instance says work arrived, and
     * by the sweep; takes are serialised per backend, so a poll and a notice never miss each other.
     */
    public void pullShared(String backendId) {
        BackendQueue<C> queue = backends.get(backendId);
        if (!shared.isShared() || !accepting || queue == null) {
            return;
        }
        List<BackendQueue.Handoff> handoffs = new ArrayList<>();
        synchronized (queue.sharedPullLock()) {
            int capacity;
            for (int takes = 0; takes < MAX_TAKES_PER_PULL && (capacity = queue.newestPollCapacity()) > 0; takes++) {
                List<String> taken = shared.take(backendId, capacity);
                if (taken.isEmpty()) {
                    break;
                }
                List<String> live = stillWaiting(taken);
                if (live.isEmpty()) {
                    continue;
                }
                BackendQueue.Handoff handoff = queue.handToNewestPoll(live, clock.instant());
                if (handoff == null) {
                    // The poll went away between the two calls: the IDs go back for another.
                    live.forEach(id -> giveBackQuietly(backendId, id));
                    break;
                }
                handoffs.add(handoff);
            }
        }
        handoffs.forEach(Broker::sendQuietly);
    }

    // An ID of this instance whose exchange ended (the client left, it timed out) is dropped; the
    // home instance of any other ID answers for it when the agent reads it.
    private List<String> stillWaiting(List<String> ids) {
        Instant now = clock.instant();
        List<String> live = new ArrayList<>(ids.size());
        for (String id : ids) {
            Exchange<C> exchange = exchanges.get(id);
            if (exchange != null && exchange.state() == ExchangeState.HANDED_OUT) {
                exchange.handedOutAgain(now);
                live.add(id);
            } else if (exchange == null && !requestIds.isOwn(id)) {
                live.add(id);
            }
        }
        return live;
    }

    private void giveBackQuietly(String backendId, String requestId) {
        try {
            shared.giveBack(backendId, requestId);
        } catch (FailureException e) {
            LOG.log(System.Logger.Level.WARNING, "request " + requestId + " could not be offered again: "
                    + e.getMessage() + "; its home instance offers it again after the claim timeout");
        }
    }

    /** Registers an agent's poll: answered at once if work waits, else held until work or its hold time ends. */
    public WaitingPoll poll(String backendId, PollAnswer answer) throws FailureException {
        return poll(backendId, "unknown", answer);
    }

    /** Registers a poll of the agent known by {@code agentKey} (its ID, or its address). */
    public WaitingPoll poll(String backendId, String agentKey, PollAnswer answer) throws FailureException {
        return poll(backendId, new AgentSighting(agentKey, null, null, clock.instant()), answer);
    }

    /** Registers a poll of the agent {@code sighting} describes, as seen now. */
    public WaitingPoll poll(String backendId, AgentSighting sighting, PollAnswer answer) throws FailureException {
        String agentKey = sighting.agentKey();
        BackendQueue<C> queue = queueOf(backendId);
        Instant now = clock.instant();
        if (rosters.computeIfAbsent(backendId, id -> new AgentRoster())
                .seen(new AgentSighting(agentKey, sighting.address(), sighting.userAgent(), now))) {
            agentsChanged.accept(backendId);
        }
        WaitingPoll poll = new WaitingPoll(answer, agentKey, now.plus(settings.pollHold()));
        if (!accepting) {
            // Refused, not answered empty: an agent re-polling at once would spin until the end.
            throw new FailureException(Failure.SHUTTING_DOWN);
        }
        BackendQueue.Handoff handoff = queue.poll(poll, now);
        if (handoff != null) {
            handoff.send();
        } else {
            pullShared(backendId);
        }
        return poll;
    }

    /**
     * Forgets an agent that says it stops: its held polls are answered with no work at once. A
     * container need not notice that a stopped agent closed an idle poll's connection, and work
     * handed to that poll would wait out the claim timeout.
     */
    public void signOff(String backendId, String agentKey) {
        BackendQueue<C> queue = backends.get(backendId);
        if (queue != null) {
            queue.releasePollsOf(agentKey).forEach(Broker::sendQuietly);
        }
        AgentRoster roster = rosters.get(backendId);
        if (roster != null && roster.forget(agentKey)) {
            agentsChanged.accept(backendId);
        }
        // What its last answer carried inline may never have been started: handed out again now.
        Queue<Exchange<C>> unconfirmed = unconfirmedInline.remove(agentKey);
        if (unconfirmed != null) {
            List<BackendQueue.Handoff> handoffs = new ArrayList<>();
            for (Exchange<C> exchange : unconfirmed) {
                if (agentKey.equals(exchange.inlinedTo()) && exchange.backendId().equals(backendId)) {
                    requeue(exchange, handoffs);
                }
            }
            handoffs.forEach(Broker::sendQuietly);
        }
    }

    /**
     * Finds a handed-out exchange whose request the poll answer may carry inline, or null. Such a
     * request is then delivered with the answer instead of by {@link #claimRead}; it counts as
     * delivered once the agent's next poll says it took it ({@link #settleInline}), since an answer
     * written to a broken connection is lost without an error. An agent that never polls again
     * (it died) has it handed out again by the claim timeout, as an ID nobody read.
     */
    public Exchange<C> inlineCandidate(String backendId, String requestId) {
        Exchange<C> exchange = exchanges.get(requestId);
        return exchange != null && exchange.backendId().equals(backendId)
                && exchange.state() == ExchangeState.HANDED_OUT ? exchange : null;
    }

    /** Notes that {@code agentKey}'s poll answer carries the exchange's request inline. */
    public void inlined(Exchange<C> exchange, String agentKey) {
        exchange.inlineTo(agentKey);
        // Atomic per agent, so the sweep never drops a queue that just received an exchange.
        unconfirmedInline.compute(agentKey, (key, unconfirmed) -> {
            Queue<Exchange<C>> queue = unconfirmed == null ? new ConcurrentLinkedQueue<>() : unconfirmed;
            queue.add(exchange);
            return queue;
        });
    }

    /**
     * The agent polls again and names the inline requests of its last answer it took on: those
     * count as delivered (the request timeout restarts, as after a read); the others never reached
     * it (a broken poll connection) or it dropped them, and are handed out again at once. Returns
     * the delivered exchanges.
     *
     * <p>Among several instances the agent's next poll may land on another one, which passes the
     * names on to all (so this runs on every instance): an absent name then says nothing, and
     * what no poll ever confirms is handed out again by the claim timeout instead.
     */
    public List<Exchange<C>> settleInline(String agentKey, Set<String> taken) {
        Queue<Exchange<C>> unconfirmed = unconfirmedInline.get(agentKey);
        if (unconfirmed == null) {
            return List.of();
        }
        List<Exchange<C>> delivered = new ArrayList<>();
        List<BackendQueue.Handoff> handoffs = new ArrayList<>();
        for (Iterator<Exchange<C>> it = unconfirmed.iterator(); it.hasNext(); ) {
            Exchange<C> exchange = it.next();
            if (!agentKey.equals(exchange.inlinedTo())) {
                it.remove();
            } else if (taken.contains(exchange.id())) {
                it.remove();
                if (exchange.startReading(agentKey)) {
                    readFinished(exchange);
                    delivered.add(exchange);
                }
            } else if (!shared.isShared()) {
                it.remove();
                requeue(exchange, handoffs);
            }
        }
        handoffs.forEach(Broker::sendQuietly);
        return delivered;
    }

    private void requeue(Exchange<C> exchange, List<BackendQueue.Handoff> handoffs) {
        if (shared.isShared() && exchange.state() == ExchangeState.HANDED_OUT && giveBack(exchange)) {
            return;
        }
        BackendQueue<C> queue = backends.get(exchange.backendId());
        if (queue != null && exchange.requeue()) {
            BackendQueue.Handoff handoff = queue.requeue(exchange, clock.instant());
            if (handoff != null) {
                handoffs.add(handoff);
            }
        }
    }

    // Into the shared queue again, at its front, at once (its agent signed off without taking it);
    // false if the store is unreachable, and the caller puts it in the local queue instead.
    private boolean giveBack(Exchange<C> exchange) {
        try {
            shared.giveBack(exchange.backendId(), exchange.id());
            exchange.offeredAgain(clock.instant());
            return true;
        } catch (FailureException e) {
            return false;
        }
    }

    // The claim timeout passed: the shared queue decides whether an agent that took it died (it is
    // offered again), still has not been reached (it waits on), or took it inline, as it said on a
    // poll that landed elsewhere (it counts as delivered). False if the store is unreachable.
    private boolean offerAgain(Exchange<C> exchange) {
        try {
            String confirmedBy = shared.offerAgain(exchange.backendId(), exchange.id());
            exchange.offeredAgain(clock.instant());
            if (confirmedBy != null && exchange.startReading(confirmedBy)) {
                readFinished(exchange);
                exchange.client().inlineConfirmedElsewhere();
            }
            return true;
        } catch (FailureException e) {
            return false;
        }
    }

    /** Finds a handed-out exchange for an agent that reads its request; each request is read once. */
    public Exchange<C> claimRead(String backendId, String requestId) throws FailureException {
        return claimRead(backendId, requestId, null);
    }

    /** As {@link #claimRead(String, String)}, noting the reading agent, the only one then allowed to answer. */
    public Exchange<C> claimRead(String backendId, String requestId, String agentKey) throws FailureException {
        Exchange<C> exchange = find(backendId, requestId);
        if (!exchange.startReading(agentKey)) {
            throw new FailureException(Failure.UNKNOWN_REQUEST, "request " + requestId + " is not waiting to be read");
        }
        if (exchange.isShared()) {
            shared.taken(backendId, requestId);
        }
        return exchange;
    }

    /** Restarts the exchange's timeout once its request has been fully delivered to the agent. */
    public void readFinished(Exchange<C> exchange) {
        exchange.readFinished(clock.instant().plus(settings.requestTimeout()));
        if (exchange.isOrphaned()) {
            endOrphan(exchange);
        }
    }

    /** Finds an exchange for an agent that answers it; the first answer wins and later ones are refused. */
    public Exchange<C> claimResponse(String backendId, String requestId) throws FailureException {
        return claimResponse(backendId, requestId, null);
    }

    /** As {@link #claimResponse(String, String)}, for the agent {@code agentKey}: refused if another agent read it. */
    public Exchange<C> claimResponse(String backendId, String requestId, String agentKey) throws FailureException {
        Exchange<C> exchange = find(backendId, requestId);
        if (!exchange.startResponding(agentKey)) {
            throw new FailureException(Failure.UNKNOWN_REQUEST, "request " + requestId + " is already answered");
        }
        return exchange;
    }

    /** Ends an exchange and forgets it; true only for the caller that ended it. */
    public boolean finish(Exchange<C> exchange) {
        boolean unread = exchange.state() == ExchangeState.HANDED_OUT;
        boolean finished = exchange.finish();
        exchanges.remove(exchange.id(), exchange);
        if (finished && unread) {
            withdrawShared(exchange);
        }
        return finished;
    }

    // An ID that still waits in the shared queue for a request that ended (its client left, it
    // timed out) is withdrawn, so no agent reads it for nothing.
    private void withdrawShared(Exchange<C> exchange) {
        if (exchange.isShared()) {
            shared.withdraw(exchange.backendId(), exchange.id());
        }
    }

    /** Times out overdue exchanges (504), hands unread ones out again and ends held polls whose time is up. */
    public void sweep() {
        Instant now = clock.instant();
        List<BackendQueue.Handoff> handoffs = new ArrayList<>();
        try {
            for (Exchange<C> exchange : exchanges.values()) {
                sweep(exchange, now, handoffs);
            }
            // An agent whose poll is held is there, however long ago that poll came: a poll is held
            // for poll-hold-seconds (25), longer than agent-offline-after-seconds (15), and an idle
            // agent otherwise dropped out of the count, and its backend out of Cloud Map, near the end
            // of every held poll. Once its poll is answered it has agent-offline-after-seconds to
            // poll again; a dead agent's held poll keeps it counted until that poll's deadline.
            rosters.forEach((backendId, roster) -> {
                BackendQueue<C> queue = backends.get(backendId);
                if (queue != null) {
                    roster.stillSeen(queue.agentsHoldingPolls(now), now);
                }
            });
            for (BackendQueue<C> queue : backends.values()) {
                handoffs.addAll(queue.expirePolls(now));
            }
            rosters.forEach((backendId, roster) -> {
                if (roster.forgetSilentSince(now.minus(settings.agentOfflineAfter()))) {
                    agentsChanged.accept(backendId);
                }
            });
            forgetStaleInline();
            pullSharedNowAndThen(now);
        } finally {
            // Claimed polls must be answered even if one exchange failed, or their agents would hang.
            handoffs.forEach(Broker::sendQuietly);
        }
    }

    private void sweep(Exchange<C> exchange, Instant now, List<BackendQueue.Handoff> handoffs) {
        try {
            boolean unread = exchange.state() == ExchangeState.HANDED_OUT;
            if (now.isAfter(exchange.deadline()) && exchange.expire()) {
                exchanges.remove(exchange.id(), exchange);
                if (unread) {
                    withdrawShared(exchange);
                }
                exchange.client().fail(Failure.AGENT_TIMEOUT, "no agent answered within "
                        + settings.requestTimeout().toSeconds() + " s");
            } else if (isUnreadTooLong(exchange, now) && shared.isShared() && offerAgain(exchange)) {
                LOG.log(System.Logger.Level.DEBUG, "request {0} was not read in time; offered again", exchange.id());
            } else if (isUnreadTooLong(exchange, now) && exchange.requeue()) {
                BackendQueue<C> queue = backends.get(exchange.backendId());
                BackendQueue.Handoff handoff = queue == null ? null : queue.requeue(exchange, now);
                if (handoff != null) {
                    handoffs.add(handoff);
                }
            }
        } catch (RuntimeException e) {
            // One broken exchange must not stop the sweep for all the others.
            LOG.log(System.Logger.Level.ERROR, "sweeping request " + exchange.id() + " failed: " + e, e);
        }
    }

    // A notice of new work can be lost (the store restarted, the subscription reconnects): polls
    // held here ask the shared queue again once a second.
    private void pullSharedNowAndThen(Instant now) {
        if (!shared.isShared() || now.isBefore(lastSharedPull.plus(SHARED_PULL_INTERVAL))) {
            return;
        }
        lastSharedPull = now;
        backends.forEach((backendId, queue) -> shareLocalQueue(queue, now));
        for (Map.Entry<String, BackendQueue<C>> entry : backends.entrySet()) {
            if (entry.getValue().newestPollCapacity() > 0) {
                pullShared(entry.getKey());
            }
        }
    }

    // Requests that waited here while the shared queue was unreachable go there once it answers
    // again: here only an agent polling this instance would find them, and with round-robin its
    // next poll may land elsewhere for longer than they may wait.
    private void shareLocalQueue(BackendQueue<C> queue, Instant now) {
        if (queue.queuedCount() == 0) {
            return;
        }
        List<BackendQueue.Handoff> handoffs = new ArrayList<>();
        for (Exchange<C> exchange : queue.takeAllQueued()) {
            if (!exchange.offerShared(now)) {
                continue;
            }
            try {
                shared.offer(exchange.backendId(), exchange.id());
            } catch (FailureException e) {
                if (exchange.requeue()) {
                    BackendQueue.Handoff handoff = queue.requeue(exchange, now);
                    if (handoff != null) {
                        handoffs.add(handoff);
                    }
                }
            }
        }
        handoffs.forEach(Broker::sendQuietly);
    }

    // An agent that never polls again (it died) leaves entries that no longer apply once the
    // claim timeout handed its requests out again.
    private void forgetStaleInline() {
        unconfirmedInline.forEach((agentKey, unconfirmed) -> {
            unconfirmed.removeIf(exchange -> exchange.state() != ExchangeState.HANDED_OUT
                    || !agentKey.equals(exchange.inlinedTo()));
            unconfirmedInline.computeIfPresent(agentKey, (key, queue) -> queue.isEmpty() ? null : queue);
        });
    }

    private static void sendQuietly(BackendQueue.Handoff handoff) {
        try {
            handoff.send();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "answering a poll failed: " + e, e);
        }
    }

    /** Stops taking work: held polls are answered, and exchanges not yet answering get 503. */
    public void shutdown() {
        accepting = false;
        for (BackendQueue<C> queue : backends.values()) {
            queue.releasePolls().forEach(BackendQueue.Handoff::send);
        }
        // Exchanges an agent already works on (reading or answering) are left to finish.
        for (Exchange<C> exchange : exchanges.values()) {
            if (exchange.expireWaiting()) {
                exchanges.remove(exchange.id(), exchange);
                exchange.client().fail(Failure.SHUTTING_DOWN, Failure.SHUTTING_DOWN.reason());
            }
        }
    }

    /**
     * Forgets a deleted backend: its held polls are answered with no work (their agents' next
     * call is refused) and its requests get 503 at once, unless their answer already streams:
     * those finish. A request an agent is still reading or working on cannot be answered any
     * more, since the agent's credential went with the backend.
     */
    public void removeBackend(String backendId) {
        BackendQueue<C> queue = backends.remove(backendId);
        if (rosters.remove(backendId) != null) {
            agentsChanged.accept(backendId);
        }
        if (queue != null) {
            queue.releasePolls().forEach(Broker::sendQuietly);
        }
        for (Exchange<C> exchange : exchanges.values()) {
            if (exchange.backendId().equals(backendId) && exchange.endForDeletedBackend()) {
                failDeleted(exchange);
            }
        }
    }

    private void endOrphan(Exchange<C> exchange) {
        if (exchange.expire()) {
            failDeleted(exchange);
        }
    }

    private void failDeleted(Exchange<C> exchange) {
        exchanges.remove(exchange.id(), exchange);
        exchange.client().fail(Failure.NO_AGENT, "the backend was deleted");
    }

    /** Whether new requests are taken. */
    public boolean isAccepting() {
        return accepting;
    }

    /** Exchanges currently parked or streaming. */
    public int exchangeCount() {
        return exchanges.size();
    }

    /** Requests of the backend waiting for a poll. */
    public int queuedCount(String backendId) {
        BackendQueue<C> queue = backends.get(backendId);
        return queue == null ? 0 : queue.queuedCount();
    }

    /** Agents that polled for the backend within {@code agent-offline-after-seconds}. */
    public int connectedAgentCount(String backendId) {
        AgentRoster roster = rosters.get(backendId);
        return roster == null ? 0 : roster.count();
    }

    /** The backends agents have polled for since start (or since they were last removed). */
    public java.util.Set<String> backendIds() {
        return java.util.Set.copyOf(backends.keySet());
    }

    /** The agents that polled for the backend within {@code agent-offline-after-seconds}, most recent first. */
    public List<AgentSighting> agents(String backendId) {
        AgentRoster roster = rosters.get(backendId);
        return roster == null ? List.of() : roster.sightings();
    }

    /** Exchanges parked or streaming, by backend: one pass over them, for a dashboard's refresh. */
    public Map<String, Integer> exchangeCountsByBackend() {
        Map<String, Integer> counts = new HashMap<>();
        for (Exchange<C> exchange : exchanges.values()) {
            counts.merge(exchange.backendId(), 1, Integer::sum);
        }
        return counts;
    }

    /** Polls of the backend being held. */
    public int waitingPollCount(String backendId) {
        BackendQueue<C> queue = backends.get(backendId);
        return queue == null ? 0 : queue.waitingPollCount();
    }

    private boolean isUnreadTooLong(Exchange<C> exchange, Instant now) {
        Instant handedOutAt = exchange.handedOutAt();
        Duration claimTimeout = settings.claimTimeout();
        return exchange.state() == ExchangeState.HANDED_OUT && handedOutAt != null
                && now.isAfter(handedOutAt.plus(claimTimeout));
    }

    // An ID of another backend is answered exactly like an unknown one, so a caller learns nothing.
    private Exchange<C> find(String backendId, String requestId) throws FailureException {
        Exchange<C> exchange = exchanges.get(requestId);
        if (exchange == null || !exchange.backendId().equals(backendId)) {
            throw new FailureException(Failure.UNKNOWN_REQUEST, "unknown request " + requestId);
        }
        return exchange;
    }
}
