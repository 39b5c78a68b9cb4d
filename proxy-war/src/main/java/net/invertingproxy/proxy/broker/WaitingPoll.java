package net.invertingproxy.proxy.broker;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** An agent's poll held until work arrives, its hold time ends, or the agent goes away. */
public final class WaitingPoll {
    private final PollAnswer answer;
    private final String agentKey;
    private final Instant deadline;
    private final AtomicBoolean answered = new AtomicBoolean();

    WaitingPoll(PollAnswer answer, String agentKey, Instant deadline) {
        this.answer = answer;
        this.agentKey = agentKey;
        this.deadline = deadline;
    }

    Instant deadline() {
        return deadline;
    }

    String agentKey() {
        return agentKey;
    }

    boolean isAnswered() {
        return answered.get();
    }

    /** Claims the right to answer; only the first caller gets it. */
    boolean claim() {
        return answered.compareAndSet(false, true);
    }

    int maxRequests() {
        return Math.max(1, Math.min(answer.maxRequests(), BackendQueue.MAX_IDS_PER_ANSWER));
    }

    void send(List<String> requestIds) {
        answer.answer(requestIds);
    }

    /** Marks the poll as gone (its agent disconnected), so no work is handed to it. */
    public void cancel() {
        answered.set(true);
    }
}
