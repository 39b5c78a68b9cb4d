package net.invertingproxy.proxy.broker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * The requests waiting for one backend's agents and the polls those agents hold. One lock guards
 * both queues, so a request and a poll arriving together always meet; answers are sent by the
 * caller after the lock is released.
 */
final class BackendQueue<C extends ClientSide> {
    /** Most IDs in one poll answer, well under the 1 MiB the Go agent reads. */
    static final int MAX_IDS_PER_ANSWER = 1000;

    private final int maxQueued;
    private final int maxWaitingPolls;
    private final Duration offlineAfter;
    private final ArrayDeque<Exchange<C>> queued = new ArrayDeque<>();
    private final ArrayDeque<WaitingPoll> polls = new ArrayDeque<>();
    private Instant lastPollAt;
    // Serialises this instance's takes from the shared queue for the backend (Redis calls happen
    // under it, so it is not the queue's own monitor, which parks and polls must never wait on).
    private final Object sharedPullLock = new Object();

    BackendQueue(int maxQueued, int maxWaitingPolls, Duration offlineAfter) {
        this.maxQueued = maxQueued;
        this.maxWaitingPolls = maxWaitingPolls;
        this.offlineAfter = offlineAfter;
    }

    /** A poll and the IDs it must be answered with, once the lock is released. */
    record Handoff(WaitingPoll poll, List<String> requestIds) {
        void send() {
            poll.send(requestIds);
        }
    }

    synchronized Handoff enqueue(Exchange<C> exchange, Instant now) throws FailureException {
        removeAnswered();
        if (polls.isEmpty() && !polledSince(now.minus(offlineAfter))) {
            throw new FailureException(Failure.NO_AGENT);
        }
        if (queued.size() >= maxQueued) {
            queued.removeIf(Exchange::isDone);
            if (queued.size() >= maxQueued) {
                throw new FailureException(Failure.QUEUE_FULL);
            }
        }
        queued.addLast(exchange);
        return handToWaitingPoll(now);
    }

    /** Puts a request that an agent never read back at the front, for the next poll. */
    synchronized Handoff requeue(Exchange<C> exchange, Instant now) {
        queued.addFirst(exchange);
        return handToWaitingPoll(now);
    }

    /**
     * Takes the waiting requests at once, or holds the poll; null means the poll is held (or was
     * cancelled). Beyond the bound of held polls the poll is refused, so the agent backs off
     * instead of spinning on empty answers.
     */
    synchronized Handoff poll(WaitingPoll poll, Instant now) throws FailureException {
        lastPollAt = now;
        if (poll.isAnswered()) {
            return null;
        }
        if (!queued.isEmpty()) {
            return poll.claim() ? new Handoff(poll, takeQueued(now, poll.maxRequests())) : null;
        }
        if (polls.size() >= maxWaitingPolls) {
            removeAnswered();
            if (polls.size() >= maxWaitingPolls) {
                throw new FailureException(Failure.TOO_MANY_POLLS);
            }
        }
        polls.addLast(poll);
        return null;
    }

    /**
     * Hands the exchange to a poll held here, if one is, without queueing it otherwise: a request
     * no local poll takes goes to the shared queue instead. Null when no poll is held.
     */
    synchronized Handoff handToWaitingPoll(Exchange<C> exchange, Instant now) {
        WaitingPoll poll;
        while ((poll = polls.pollLast()) != null) {
            if (poll.claim()) {
                lastPollAt = now;
                List<String> ids = new ArrayList<>();
                if (exchange.handOut(now)) {
                    ids.add(exchange.id());
                }
                return new Handoff(poll, ids);
            }
        }
        return null;
    }

    /** Takes every request waiting here, for the shared queue once it is reachable again. */
    synchronized List<Exchange<C>> takeAllQueued() {
        List<Exchange<C>> all = new ArrayList<>(queued);
        queued.clear();
        return all;
    }

    /** Whether an agent polled here within the offline time (or holds a poll now). */
    synchronized boolean hasAgentSince(Instant since) {
        removeAnswered();
        return !polls.isEmpty() || polledSince(since);
    }

    /** How many IDs the newest held poll takes, or 0 when none is held. */
    synchronized int newestPollCapacity() {
        removeAnswered();
        WaitingPoll newest = polls.peekLast();
        return newest == null ? 0 : newest.maxRequests();
    }

    /** Hands IDs taken from the shared queue to the newest held poll; null if none is held any more. */
    synchronized Handoff handToNewestPoll(List<String> requestIds, Instant now) {
        WaitingPoll poll;
        while ((poll = polls.pollLast()) != null) {
            if (poll.claim()) {
                lastPollAt = now;
                return new Handoff(poll, List.copyOf(requestIds));
            }
        }
        return null;
    }

    Object sharedPullLock() {
        return sharedPullLock;
    }

    /** Answers the polls whose hold time is over with no work. */
    synchronized List<Handoff> expirePolls(Instant now) {
        List<Handoff> expired = new ArrayList<>();
        for (Iterator<WaitingPoll> it = polls.iterator(); it.hasNext(); ) {
            WaitingPoll poll = it.next();
            if (poll.isAnswered()) {
                it.remove();
            } else if (!now.isBefore(poll.deadline()) && poll.claim()) {
                it.remove();
                lastPollAt = now;
                expired.add(new Handoff(poll, List.of()));
            }
        }
        queued.removeIf(Exchange::isDone);
        return expired;
    }

    /** Answers every held poll with no work, for shutdown. */
    synchronized List<Handoff> releasePolls() {
        List<Handoff> released = new ArrayList<>();
        for (WaitingPoll poll : polls) {
            if (poll.claim()) {
                released.add(new Handoff(poll, List.of()));
            }
        }
        polls.clear();
        return released;
    }

    /** Answers with no work the held polls of one agent, which said it is leaving. */
    synchronized List<Handoff> releasePollsOf(String agentKey) {
        List<Handoff> released = new ArrayList<>();
        for (Iterator<WaitingPoll> it = polls.iterator(); it.hasNext(); ) {
            WaitingPoll poll = it.next();
            if (poll.agentKey().equals(agentKey)) {
                it.remove();
                if (poll.claim()) {
                    released.add(new Handoff(poll, List.of()));
                }
            }
        }
        return released;
    }

    synchronized int queuedCount() {
        return queued.size();
    }

    /** The agents with a poll held now and not yet due to be answered. */
    synchronized Set<String> agentsHoldingPolls(Instant now) {
        removeAnswered();
        Set<String> agentKeys = new HashSet<>();
        for (WaitingPoll poll : polls) {
            if (now.isBefore(poll.deadline())) {
                agentKeys.add(poll.agentKey());
            }
        }
        return agentKeys;
    }

    synchronized int waitingPollCount() {
        removeAnswered();
        return polls.size();
    }

    // The newest poll first: a live agent polls again the moment it is answered, so the oldest held
    // poll is the likeliest to belong to an agent that died (a container does not notice a dead
    // agent's idle connection), and work handed to it would wait out the claim timeout.
    private Handoff handToWaitingPoll(Instant now) {
        WaitingPoll poll;
        while ((poll = polls.pollLast()) != null) {
            if (poll.claim()) {
                lastPollAt = now;
                return new Handoff(poll, takeQueued(now, poll.maxRequests()));
            }
        }
        return null;
    }

    private List<String> takeQueued(Instant now, int max) {
        List<String> ids = new ArrayList<>();
        Exchange<C> exchange;
        while (ids.size() < max && (exchange = queued.pollFirst()) != null) {
            if (exchange.handOut(now)) {
                ids.add(exchange.id());
            }
        }
        return ids;
    }

    private boolean polledSince(Instant since) {
        return lastPollAt != null && !lastPollAt.isBefore(since);
    }

    private void removeAnswered() {
        polls.removeIf(WaitingPoll::isAnswered);
    }
}
