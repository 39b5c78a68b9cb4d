package net.invertingproxy.proxy.broker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

import net.invertingproxy.protocol.RequestIds;
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

    private final ProxySettings settings;
    private final Clock clock;
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
        this.settings = settings;
        this.clock = clock;
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
        BackendQueue<C> queue = backends.get(backendId);
        if (queue == null) {
            // No agent has ever polled for it since the proxy started.
            throw new FailureException(Failure.NO_AGENT);
        }
        if (exchanges.size() >= settings.maxExchanges()) {
            throw new FailureException(Failure.PROXY_AT_CAPACITY);
        }
        Instant now = clock.instant();
        Exchange<C> exchange = new Exchange<>(RequestIds.next(), backendId, client, now,
                now.plus(settings.requestTimeout()));
        exchanges.put(exchange.id(), exchange);
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
        BackendQueue<C> queue = backends.computeIfAbsent(backendId, id -> new BackendQueue<>(
                settings.maxQueuedRequests(), settings.maxWaitingPolls(), settings.agentOfflineAfter()));
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
     */
    public List<Exchange<C>> settleInline(String agentKey, Set<String> taken) {
        Queue<Exchange<C>> unconfirmed = unconfirmedInline.get(agentKey);
        if (unconfirmed == null) {
            return List.of();
        }
        List<Exchange<C>> delivered = new ArrayList<>();
        List<BackendQueue.Handoff> handoffs = new ArrayList<>();
        Exchange<C> exchange;
        while ((exchange = unconfirmed.poll()) != null) {
            if (!agentKey.equals(exchange.inlinedTo())) {
                continue;
            }
            if (taken.contains(exchange.id())) {
                if (exchange.startReading()) {
                    readFinished(exchange);
                    delivered.add(exchange);
                }
            } else {
                requeue(exchange, handoffs);
            }
        }
        handoffs.forEach(Broker::sendQuietly);
        return delivered;
    }

    private void requeue(Exchange<C> exchange, List<BackendQueue.Handoff> handoffs) {
        BackendQueue<C> queue = backends.get(exchange.backendId());
        if (queue != null && exchange.requeue()) {
            BackendQueue.Handoff handoff = queue.requeue(exchange, clock.instant());
            if (handoff != null) {
                handoffs.add(handoff);
            }
        }
    }

    /** Finds a handed-out exchange for an agent that reads its request; each request is read once. */
    public Exchange<C> claimRead(String backendId, String requestId) throws FailureException {
        Exchange<C> exchange = find(backendId, requestId);
        if (!exchange.startReading()) {
            throw new FailureException(Failure.UNKNOWN_REQUEST, "request " + requestId + " is not waiting to be read");
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
        Exchange<C> exchange = find(backendId, requestId);
        if (!exchange.startResponding()) {
            throw new FailureException(Failure.UNKNOWN_REQUEST, "request " + requestId + " is already answered");
        }
        return exchange;
    }

    /** Ends an exchange and forgets it; true only for the caller that ended it. */
    public boolean finish(Exchange<C> exchange) {
        boolean finished = exchange.finish();
        exchanges.remove(exchange.id(), exchange);
        return finished;
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
        } finally {
            // Claimed polls must be answered even if one exchange failed, or their agents would hang.
            handoffs.forEach(Broker::sendQuietly);
        }
    }

    private void sweep(Exchange<C> exchange, Instant now, List<BackendQueue.Handoff> handoffs) {
        try {
            if (now.isAfter(exchange.deadline()) && exchange.expire()) {
                exchanges.remove(exchange.id(), exchange);
                exchange.client().fail(Failure.AGENT_TIMEOUT, "no agent answered within "
                        + settings.requestTimeout().toSeconds() + " s");
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
