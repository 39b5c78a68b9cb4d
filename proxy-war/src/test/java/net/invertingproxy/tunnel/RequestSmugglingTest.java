package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The request smuggling table ({@link SmugglingCases}) against the proxy on embedded Jetty with the
 * real agent and a recording backend: every case gets its definite answer, and the backend sees
 * exactly what the case allows.
 */
class RequestSmugglingTest {
    private static Tunnel tunnel;
    private static RequestRecorder recorder;

    @BeforeAll
    static void startTunnel() throws Exception {
        tunnel = Tunnel.start();
        recorder = new RequestRecorder();
        tunnel.backend.behave(recorder);
    }

    @AfterAll
    static void stopTunnel() throws Exception {
        tunnel.close();
    }

    @TestFactory
    Stream<DynamicTest> everyCaseIsAnsweredDefinitelyAndSmugglesNothing() {
        SmugglingProbe probe = new SmugglingProbe(tunnel.proxy.port(), recorder);
        return SmugglingCases.all().stream().map(smugglingCase -> DynamicTest.dynamicTest(smugglingCase.name(), () -> {
            SmugglingOutcome outcome = probe.run(smugglingCase);
            System.out.println(outcome.reportLine("embedded Jetty"));
            assertEquals(List.of(), outcome.violations(), outcome.reportLine("embedded Jetty"));
        }));
    }
}
