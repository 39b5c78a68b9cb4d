package net.invertingproxy.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.tunnel.RawClient;
import net.invertingproxy.tunnel.RequestRecorder;
import net.invertingproxy.tunnel.SmugglingCases;
import net.invertingproxy.tunnel.SmugglingOutcome;
import net.invertingproxy.tunnel.SmugglingProbe;
import net.invertingproxy.tunnel.TestBackend;

/**
 * The request smuggling table ({@link SmugglingCases}) against the proxy WAR in one real container
 * ({@link #startProxy}), with the real agent and a backend that records every request whole: the
 * container's own HTTP parser and the proxy's checks together must give each case its definite
 * answer, and let through exactly what the case allows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RequestSmugglingSuite {
    private static final Duration AGENT_START = Duration.ofSeconds(15);

    private ProxyUnderTest proxy;
    private TestBackend backend;
    private Agent agent;
    private final RequestRecorder recorder = new RequestRecorder();
    private long classStarted;

    /** Starts the container under test with these proxy settings and waits until {@code /healthz} answers 200. */
    protected abstract ProxyUnderTest startProxy(Map<String, String> settings) throws Exception;

    @BeforeAll
    void startContainerAndAgent() throws Exception {
        classStarted = System.nanoTime();
        backend = new TestBackend();
        backend.behave(recorder);
        ContainerStart.Started started = ContainerStart.start(this::startProxy, getClass().getSimpleName());
        proxy = started.proxy();
        agent = Agent.start(AgentConfig.parse(new String[] {"-proxy", proxy.baseUri().toString(), "-backend", "default",
            "-host", backend.hostAndPort(), "-credential", started.agentCredential()}));
        awaitAgentServing();
    }

    @AfterAll
    void stopAll() throws Exception {
        try {
            if (agent != null) {
                agent.stop(Duration.ofSeconds(1));
            }
        } finally {
            if (proxy != null) {
                proxy.close();
                System.out.printf("%s: smuggling suite took %.1f s%n", proxy.name(), (System.nanoTime() - classStarted) / 1e9);
            }
            if (backend != null) {
                backend.close();
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCaseIsAnsweredDefinitelyAndSmugglesNothing() {
        SmugglingProbe probe = new SmugglingProbe(proxy.port(), recorder);
        return SmugglingCases.all().stream().map(smugglingCase -> DynamicTest.dynamicTest(smugglingCase.name(), () -> {
            SmugglingOutcome outcome = probe.run(smugglingCase);
            System.out.println(outcome.reportLine(proxy.name()));
            assertEquals(List.of(), outcome.violations(), outcome.reportLine(proxy.name()));
        }));
    }

    // Until the agent's first poll arrives the proxy answers 503 (no agent); the recorder answers 200.
    private void awaitAgentServing() throws Exception {
        long deadline = System.nanoTime() + AGENT_START.toNanos();
        int status = 0;
        while (System.nanoTime() < deadline) {
            try (RawClient raw = RawClient.connect(proxy.port())) {
                status = raw.send("GET /smuggling-suite-probe HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                        .readResponse().status();
            }
            if (status == 200) {
                recorder.forget();
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the agent did not serve within " + AGENT_START + "; last answer " + status);
    }
}
