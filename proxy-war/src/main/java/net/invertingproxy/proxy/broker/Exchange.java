package net.invertingproxy.proxy.broker;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One client request and its answer. State changes are compare-and-set, so a timeout, an agent's
 * answer and a client abort can race and exactly one of them wins.
 */
public final class Exchange<C extends ClientSide> {
    private final String id;
    private final String backendId;
    private final C client;
    private final Instant arrivedAt;
    private volatile Instant deadline;
    private final AtomicReference<ExchangeState> state = new AtomicReference<>(ExchangeState.QUEUED);
    private volatile Instant handedOutAt;
    private volatile boolean requestDelivered;
    private volatile boolean orphaned;
    // The agent whose poll answer carried this request inline, until that agent polls again.
    private volatile String inlinedTo;
    // Offered in the queue the instances share: any instance's agent may have it; see SharedQueue.
    private volatile boolean shared;
    // Offered there more than once, so a copy may still wait there after an agent read it.
    private volatile boolean offeredAgain;
    // The agent that reads (or took inline) the request: only it may answer once reading started.
    private volatile String reader;

    Exchange(String id, String backendId, C client, Instant arrivedAt, Instant deadline) {
        this.id = id;
        this.backendId = backendId;
        this.client = client;
        this.arrivedAt = arrivedAt;
        this.deadline = deadline;
    }

    /** The request ID agents use to name this exchange. */
    public String id() {
        return id;
    }

    /** The backend this exchange is for. */
    public String backendId() {
        return backendId;
    }

    /** The client end. */
    public C client() {
        return client;
    }

    /** When the client request arrived. */
    public Instant arrivedAt() {
        return arrivedAt;
    }

    /** When the exchange times out unless an agent has started the response; none while the request is being read. */
    public Instant deadline() {
        return deadline;
    }

    /** The current state. */
    public ExchangeState state() {
        return state.get();
    }

    /** Whether the exchange has finished. */
    public boolean isDone() {
        return state.get() == ExchangeState.DONE;
    }

    Instant handedOutAt() {
        return handedOutAt;
    }

    boolean handOut(Instant now) {
        handedOutAt = now;
        return state.compareAndSet(ExchangeState.QUEUED, ExchangeState.HANDED_OUT);
    }

    /** Whether the request waits, or waited, in the queue the instances share. */
    public boolean isShared() {
        return shared;
    }

    // Handed to the shared queue counts as handed out: an agent of any instance may read it from
    // now on, and the claim timeout runs as for a local hand-out.
    boolean offerShared(Instant now) {
        if (handOut(now)) {
            shared = true;
            return true;
        }
        return false;
    }

    void offeredAgain(Instant now) {
        handedOutAt = now;
        offeredAgain = true;
    }

    boolean wasOfferedAgain() {
        return offeredAgain;
    }

    // Taken from the shared queue by an agent: the claim timeout counts from now.
    void handedOutAgain(Instant now) {
        handedOutAt = now;
    }

    boolean requeue() {
        if (state.compareAndSet(ExchangeState.HANDED_OUT, ExchangeState.QUEUED)) {
            inlinedTo = null;
            shared = false;
            return true;
        }
        return false;
    }

    String inlinedTo() {
        return inlinedTo;
    }

    void inlineTo(String agentKey) {
        inlinedTo = agentKey;
    }

    // A long upload must not count against the time to the first response byte: the clock
    // stops while the agent reads and restarts when the request has been fully delivered.
    boolean startReading(String readerKey) {
        if (state.compareAndSet(ExchangeState.HANDED_OUT, ExchangeState.READING)) {
            reader = readerKey;
            deadline = Instant.MAX;
            return true;
        }
        return false;
    }

    void readFinished(Instant newDeadline) {
        deadline = newDeadline;
        requestDelivered = true;
    }

    /**
     * Ends the exchange for a deleted backend unless its answer already streams (true if it did).
     * While its request is still being delivered to an agent it is only marked, and whoever
     * delivers it ends it once the client's body has been read: the client's request must not be
     * completed under a reader. One loop of compare-and-set, so a read starting meanwhile is seen.
     */
    boolean endForDeletedBackend() {
        orphaned = true;
        while (true) {
            ExchangeState current = state.get();
            if (current == ExchangeState.RESPONDING || current == ExchangeState.DONE
                    || current == ExchangeState.READING && !requestDelivered) {
                return false;
            }
            if (state.compareAndSet(current, ExchangeState.DONE)) {
                return true;
            }
        }
    }

    boolean isOrphaned() {
        return orphaned;
    }

    // An agent may answer before or after reading (an agent at capacity answers 503 unread). Once
    // an agent reads it, an answer of any other is refused: an agent holding a stale copy of the
    // ID (handed out again after the claim timeout while the first reader started) must not end
    // an exchange whose request another agent is running, perhaps not idempotently.
    boolean startResponding(String responderKey) {
        String readBy = reader;
        if (readBy != null && responderKey != null && !readBy.equals(responderKey)
                && state.get() == ExchangeState.READING) {
            return false;
        }
        // One loop of compare-and-set: with two separate ones, an inline request confirmed by the
        // agent's next poll (HANDED_OUT to READING) between them made both fail, and its answer
        // was refused as a second one, leaving the client to wait for the request timeout.
        return moveFrom(ExchangeState.RESPONDING, ExchangeState.READING, ExchangeState.HANDED_OUT);
    }

    // Moves to {@code target} from whichever of {@code sources} the state is in, however other
    // threads move it meanwhile; false once it is in none of them.
    private boolean moveFrom(ExchangeState target, ExchangeState... sources) {
        while (true) {
            ExchangeState current = state.get();
            if (!List.of(sources).contains(current)) {
                return false;
            }
            if (state.compareAndSet(current, target)) {
                return true;
            }
        }
    }

    /** Moves to DONE; true only for the one caller that actually finished it. */
    boolean finish() {
        return state.getAndSet(ExchangeState.DONE) != ExchangeState.DONE;
    }

    /** Moves to DONE while no agent has started on it (queued or handed out); true if it did. */
    boolean expireWaiting() {
        return moveFrom(ExchangeState.DONE, ExchangeState.QUEUED, ExchangeState.HANDED_OUT);
    }

    /** Moves to DONE unless the response has started; true if it did. */
    boolean expire() {
        while (true) {
            ExchangeState current = state.get();
            if (current == ExchangeState.RESPONDING || current == ExchangeState.DONE) {
                return false;
            }
            if (state.compareAndSet(current, ExchangeState.DONE)) {
                return true;
            }
        }
    }
}
