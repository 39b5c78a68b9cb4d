package net.invertingproxy.proxy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import net.invertingproxy.proxy.config.ProxySettings;

/** The broker names a backend to its listener exactly when the backend's count of connected agents changes. */
class AgentsChangedTest {
    private final MutableClock clock = new MutableClock();
    private final Broker<RecordingClient> broker = new Broker<>(
            ProxySettings.resolve(Map.of("agent-offline-after-seconds", "15")::get, Map.of(), Map.of()), clock);
    private final List<String> changed = new CopyOnWriteArrayList<>();

    AgentsChangedTest() {
        broker.onAgentsChanged(changed::add);
    }

    @Test
    void aNewAgentIsAChangeAndItsNextPollIsNot() throws Exception {
        broker.poll("billing", "agent-1", new RecordingPoll());
        broker.poll("billing", "agent-1", new RecordingPoll());
        assertEquals(List.of("billing"), changed);
        broker.poll("billing", "agent-2", new RecordingPoll());
        assertEquals(List.of("billing", "billing"), changed);
        assertEquals(2, broker.connectedAgentCount("billing"));
    }

    @Test
    void signingOffGoingSilentAndDeletionAreChanges() throws Exception {
        broker.poll("billing", "agent-1", new RecordingPoll());
        broker.poll("billing", "agent-2", new RecordingPoll());
        broker.poll("crm", "agent-3", new RecordingPoll());
        changed.clear();
        broker.signOff("billing", "agent-1");
        broker.signOff("billing", "agent-1");
        assertEquals(List.of("billing"), changed, "a second sign-off changes nothing");
        // Past agent-2's held poll (25 s by default) and agent-offline-after-seconds (15).
        clock.advance(Duration.ofSeconds(26));
        broker.poll("crm", "agent-3", new RecordingPoll());
        broker.sweep();
        assertEquals(List.of("billing", "billing"), changed, "agent-2 went silent; crm's agent polled");
        assertEquals(0, broker.connectedAgentCount("billing"));
        broker.removeBackend("crm");
        assertEquals(List.of("billing", "billing", "crm"), changed);
    }

    @Test
    void anAgentHoldingAPollStaysConnectedLongerThanTheOfflineTime() throws Exception {
        // poll-hold-seconds is 25 by default: the poll is still held when agent-offline-after-seconds (15) is over.
        broker.poll("billing", "agent-1", new RecordingPoll());
        changed.clear();
        clock.advance(Duration.ofSeconds(16));
        broker.sweep();
        assertEquals(1, broker.connectedAgentCount("billing"), "its poll is still held");
        clock.advance(Duration.ofSeconds(10));
        broker.sweep();
        assertEquals(1, broker.connectedAgentCount("billing"), "its poll was answered just now: it polls again");
        assertEquals(List.of(), changed, "an idle agent never dropped out");

        clock.advance(Duration.ofSeconds(16));
        broker.sweep();
        assertEquals(0, broker.connectedAgentCount("billing"), "no poll since its last one was answered");
        assertEquals(List.of("billing"), changed);
    }
}
