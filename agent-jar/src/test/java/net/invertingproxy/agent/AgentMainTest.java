package net.invertingproxy.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.forward.ExchangeDispatcher;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.Messages;
import net.invertingproxy.agent.testing.RawBackend;
import net.invertingproxy.agent.testing.Wait;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in a child JVM: exit codes, help, errors, the summary line and SIGTERM. */
class AgentMainTest {
    @TempDir
    Path temp;

    private Process launch(String... args) throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, AgentMain.class.getName()));
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command)
                .redirectOutput(temp.resolve("stdout").toFile())
                .redirectError(temp.resolve("stderr").toFile())
                .start();
    }

    private String stdout() throws IOException {
        return Files.readString(temp.resolve("stdout"), StandardCharsets.UTF_8);
    }

    private String stderr() throws IOException {
        return Files.readString(temp.resolve("stderr"), StandardCharsets.UTF_8);
    }

    private static int exitCode(Process process) throws InterruptedException {
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the agent did not exit");
        return process.exitValue();
    }

    @Test
    void helpPrintsTheUsageAndExitsZero() throws Exception {
        Process process = launch("--help");
        assertEquals(0, exitCode(process));
        assertEquals(AgentConfig.usage(), stdout());
        assertEquals("", stderr());
    }

    @Test
    void aBadFlagIsOneErrorLineAndExitCodeTwo() throws Exception {
        Process process = launch("-proxy", "http://127.0.0.1:1/", "-backend", "b", "-bogus");
        assertEquals(2, exitCode(process));
        assertEquals("error: flag provided but not defined: -bogus (run with --help for usage)" + System.lineSeparator(),
                stderr());
        assertEquals("", stdout());
    }

    @Test
    void sigtermStopsTheAgentAndExitsZero() throws Exception {
        try (FakeProxy proxy = new FakeProxy()) {
            Process process = launch("-proxy", proxy.url().replaceAll("/$", ""), "-backend", "cli", "-host", "127.0.0.1:1");
            Wait.until(() -> proxy.polls() > 0, Duration.ofSeconds(15), "the agent polls");
            assertEquals("inverting-proxy-agent " + Agent.version() + " polling " + proxy.url()
                    + " for backend 'cli' (credential none), forwarding to http://127.0.0.1:1 (max in flight 1000"
                    + (ExchangeDispatcher.usesVirtualThreads() ? ", virtual threads)" : ")")
                    + System.lineSeparator(), stdout());

            process.destroy();

            assertEquals(0, exitCode(process));
            String log = stderr();
            // The JDK's own shutdown hook must not silence the agent's last lines.
            assertTrue(log.contains(" INFO net.invertingproxy.agent.AgentMain: SIGTERM: stopping" + System.lineSeparator()), log);
            assertTrue(log.contains(" INFO net.invertingproxy.agent.Agent: agent stopped" + System.lineSeparator()), log);
            assertTrue(log.matches("(?s)\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO .*"), log);
        }
    }

    @Test
    void sigtermLetsARequestInFlightFinishAndExitsZeroWithinTheGracePeriod() throws Exception {
        try (FakeProxy proxy = new FakeProxy();
             RawBackend backend = new RawBackend((request, connection) -> {
                 Thread.sleep(1500);
                 RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nslow answer").respond(request, connection);
             })) {
            // A Go agent's command line, health checks off as there.
            Process process = launch("-proxy", proxy.url(), "-backend", "cli", "-host", backend.hostAndPort(),
                    "-health-check-interval-seconds", "0", "-graceful-shutdown-timeout", "10s");
            Wait.until(() -> proxy.polls() > 0, Duration.ofSeconds(15), "the agent polls");
            proxy.offer("slow", "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
            backend.awaitRequest(Duration.ofSeconds(5));

            long signalled = System.nanoTime();
            process.destroy();

            FakeProxy.Posted posted = proxy.awaitPosted("slow", Duration.ofSeconds(10));
            assertNull(posted.failure(), posted.text());
            Messages.Response response = Messages.readResponse(posted.body(), "GET");
            assertEquals(200, response.status());
            assertEquals("slow answer", response.bodyText());
            assertEquals(0, exitCode(process));
            Duration took = Duration.ofNanos(System.nanoTime() - signalled);
            assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "exited after " + took);
            String log = stderr();
            // The signal came while the request was still at the backend.
            assertTrue(log.contains("stopping: waiting up to 10000 ms for 1 requests in flight"), log);
            assertTrue(log.contains(" INFO net.invertingproxy.agent.Agent: agent stopped"), log);
        }
    }

    @Test
    void aTakenMetricsPortIsOneErrorLineAndExitCodeOne() throws Exception {
        try (FakeProxy proxy = new FakeProxy();
             java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Process process = launch("-proxy", proxy.url(), "-backend", "cli", "-metrics-port",
                    Integer.toString(taken.getLocalPort()));
            assertEquals(1, exitCode(process));
            assertTrue(stderr().matches("(?s)(.*\\R)?error: cannot listen for metrics on 127\\.0\\.0\\.1:"
                    + taken.getLocalPort() + ": [^\\r\\n]+\\R"), stderr());
            assertTrue(stdout().contains(", metrics on http://127.0.0.1:" + taken.getLocalPort() + "/metrics)"), stdout());
        }
    }
}
