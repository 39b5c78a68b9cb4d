package net.invertingproxy.proxy.broker;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A poll answer that records what it was answered with, and how often. */
final class RecordingPoll implements PollAnswer {
    final AtomicInteger answers = new AtomicInteger();
    volatile List<String> ids;

    @Override
    public void answer(List<String> requestIds) {
        answers.incrementAndGet();
        ids = requestIds;
    }
}
