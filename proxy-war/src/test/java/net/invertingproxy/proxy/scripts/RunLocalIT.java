package net.invertingproxy.proxy.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code scripts/run-local} for real: the demo backend (python3), the packaged proxy WAR and agent jar on free
 * loopback ports, one request through the tunnel with curl, and nothing left running afterwards.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunLocalIT {
    private static final Path RUN_LOCAL = Scripts.SCRIPTS.resolve("run-local");
    private static final String HELLO = "hello through the inverting proxy";

    @TempDir
    Path tmp;

    @BeforeAll
    static void prerequisites() {
        Scripts.requireCommands("bash", "python3", "curl");
        Scripts.requireArtifacts();
    }

    @Test
    void checkFetchesTheHelloTextThroughTheTunnelAndStopsEverything() throws Exception {
        int[] ports = Scripts.freePorts(2);
        int port = ports[0];
        int backendPort = ports[1];

        Scripts.Run run = runLocal(50, "--check", "--port", String.valueOf(port), "--backend-port", String.valueOf(backendPort));

        assertEquals(0, run.exitCode(), run::describe);
        assertTrue(run.stdout().contains("curl http://127.0.0.1:" + port + "/hello.txt -> HTTP 200: " + HELLO + "\n"),
                run::describe);
        assertTrue(run.stdout().contains("check passed"), run::describe);
        // It used the ports it was given, and its own temporary directory (TMPDIR) for the logs.
        assertTrue(run.stderr().contains("starting the demo backend on 127.0.0.1:" + backendPort), run::describe);
        assertTrue(run.stderr().contains("starting the proxy on 127.0.0.1:" + port), run::describe);
        Path logs = onlyRunDirectory();
        String proxyLog = Files.readString(logs.resolve("proxy.log"));
        String agentLog = Files.readString(logs.resolve("agent.log"));
        assertTrue(proxyLog.contains("listening on http://127.0.0.1:" + port + "/"), proxyLog);
        assertTrue(agentLog.contains("forwarding to http://127.0.0.1:" + backendPort), agentLog);
        // The proxy kept its registry in the run's directory, began with it empty and with the admin API on; the
        // backend created through the API holds the key of the credential the agent polled with.
        Path registry = logs.resolve("data/backends.json");
        assertTrue(proxyLog.contains(" 0 backends from " + registry + ", admin API on,"), proxyLog);
        assertTrue(Files.isRegularFile(registry), "no registry at " + registry);
        String keyId = onlyAgentKeyId(Files.readString(registry));
        assertTrue(agentLog.contains("(credential ipa_" + keyId + "_"), "the agent did not poll with the credential"
                + " issued for backend 'default' (key " + keyId + "):\n" + agentLog);
        assertTrue(run.stderr().contains("creating backend 'default'"), run::describe);

        // --check stops all three before it exits: none of the processes it started outlived it.
        assertEquals(List.of(), run.survivors(), "run-local left these running");
        assertFalse(Scripts.listening(port), "the proxy still listens on " + port + " after run-local exited");
        assertFalse(Scripts.listening(backendPort), "the backend still listens on " + backendPort + " after run-local exited");
    }

    @Test
    void theRunPrintsAnAdminTokenThatWorksAndKeepsTheSecretsOffCommandLines() throws Exception {
        int[] ports = Scripts.freePorts(2);
        int port = ports[0];
        int backendPort = ports[1];
        Map<String, String> environment = Scripts.cleanEnvironment();
        environment.put("TMPDIR", tmp.toString());
        try (ScriptProcess runLocal = ScriptProcess.start("run-local", List.of(RUN_LOCAL.toString(), "--port",
                String.valueOf(port), "--backend-port", String.valueOf(backendPort)), environment,
                Files.createDirectories(tmp.resolve("out")), tmp.resolve("run-local.log"))) {
            runLocal.awaitLine(Pattern.compile("^Press Ctrl-C to stop all three\\.$"), 45);
            String printed = runLocal.output();
            Matcher token = Pattern.compile("(?m)^  ADMIN_TOKEN=([0-9a-f]{64})$").matcher(printed);
            assertTrue(token.find(), "no random admin token printed:\n" + printed);
            String adminToken = token.group(1);

            // What it prints to try, run as printed: the tunnel, and the admin API with the printed token.
            Scripts.Run tried = Scripts.run(List.of("bash", "-c", String.join("\n", indentedLinesAfter(printed, "Try it:"))),
                    environment, tmp.resolve("try"), 20);
            assertEquals(0, tried.exitCode(), tried::describe);
            assertEquals(HELLO + "\n", tried.stdout(), tried::describe);
            List<String> adminLines = indentedLinesAfter(printed, "The admin API ");
            assertTrue(adminLines.size() >= 2 && adminLines.get(0).equals("ADMIN_TOKEN=" + adminToken), printed);
            Scripts.Run admin = Scripts.run(List.of("bash", "-c", String.join("\n", adminLines)), environment,
                    tmp.resolve("admin"), 20);
            assertEquals(0, admin.exitCode(), admin::describe);
            assertTrue(admin.stdout().contains("\"id\": \"default\""), admin::describe);
            assertTrue(admin.stdout().contains("\"connectedAgents\": 1"), "the agent should be connected:\n" + admin.stdout());

            // The admin token reached the proxy, and the credential the agent, in their environments only: ps shows
            // every command line to every user. Neither went to another process.
            List<ProcessHandle> started = ProcessHandle.of(runLocal.pid()).orElseThrow().descendants().toList();
            long proxyPid = onlyProcess(started, "inverting-proxy.war");
            long agentPid = onlyProcess(started, "inverting-proxy-agent.jar");
            long backendPid = onlyProcess(started, "http.server");
            assertEquals(adminToken, Scripts.environmentOf(proxyPid).get("INVERTING_PROXY_ADMIN_TOKEN"));
            String credential = Scripts.environmentOf(agentPid).get("INVERTING_PROXY_AGENT_CREDENTIAL");
            assertTrue(credential != null && credential.startsWith("ipa_"), "the agent has no credential in its"
                    + " environment: " + credential);
            String secret = Scripts.secret(credential);
            Path registry = onlyRunDirectory().resolve("data/backends.json");
            assertEquals(Scripts.keyId(credential), onlyAgentKeyId(Files.readString(registry)));
            for (long pid : List.of(runLocal.pid(), proxyPid, agentPid, backendPid)) {
                String commandLine = Scripts.commandLine(pid);
                assertFalse(commandLine.contains(adminToken) || commandLine.contains(secret),
                        "a secret is on the command line of " + pid + ": " + commandLine);
            }
            for (long pid : List.of(runLocal.pid(), backendPid)) {
                assertFalse(Scripts.environmentOf(pid).containsKey("INVERTING_PROXY_ADMIN_TOKEN"), "pid " + pid);
                assertFalse(Scripts.environmentOf(pid).containsKey("INVERTING_PROXY_AGENT_CREDENTIAL"), "pid " + pid);
            }
            assertFalse(Scripts.environmentOf(agentPid).containsKey("INVERTING_PROXY_ADMIN_TOKEN"),
                    "the agent needs no admin token");
            assertFalse(Scripts.environmentOf(proxyPid).containsKey("INVERTING_PROXY_AGENT_CREDENTIAL"));
            assertFalse(runLocal.output().contains(secret), "run-local printed the agent credential:\n" + runLocal.output());

            // SIGTERM (as Ctrl-C would) stops all three before it exits, with the conventional 128+15.
            assertEquals(143, runLocal.terminate(40), runLocal::output);
            for (ProcessHandle process : started) {
                assertFalse(process.isAlive(), "still running after run-local exited: " + process.pid() + " "
                        + process.info().commandLine().orElse("?"));
            }
            assertFalse(Scripts.listening(port), "the proxy still listens on " + port + " after run-local exited");
        }
    }

    @Test
    void aSignalStopsAllThreeEvenWhenItsOutputIsGone() throws Exception {
        int[] ports = Scripts.freePorts(2);
        int port = ports[0];
        int backendPort = ports[1];
        Map<String, String> environment = Scripts.cleanEnvironment();
        environment.put("TMPDIR", tmp.toString());
        try (ScriptProcess runLocal = ScriptProcess.start("run-local", List.of(RUN_LOCAL.toString(), "--port",
                String.valueOf(port), "--backend-port", String.valueOf(backendPort)), environment,
                Files.createDirectories(tmp.resolve("out")), tmp.resolve("run-local.log"))) {
            runLocal.awaitLine(Pattern.compile("^Press Ctrl-C to stop all three\\.$"), 45);
            List<ProcessHandle> started = ProcessHandle.of(runLocal.pid()).orElseThrow().descendants().toList();
            assertEquals(3, started.size(), "backend, proxy and agent should run: " + started);

            // The terminal went away (or the pipe it printed to lost its reader), then the signal came: the lines it
            // logs while stopping now fail, which must not end it before it has stopped the three.
            runLocal.closeOutput();
            assertEquals(143, runLocal.terminate(40));
            for (ProcessHandle process : started) {
                assertFalse(process.isAlive(), "left running by run-local: " + process.pid() + " "
                        + process.info().commandLine().orElse("?"));
            }
            assertFalse(Scripts.listening(port), "the proxy still listens on " + port + " after run-local exited");
            assertFalse(Scripts.listening(backendPort), "the backend still listens on " + backendPort);
        }
    }

    @Test
    void aPortInUseIsRefusedBeforeAnythingStarts() throws Exception {
        int[] ports = Scripts.freePorts(1);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int backendPort = ports[0];
            Scripts.Run run = runLocal(20, "--check", "--port", String.valueOf(taken.getLocalPort()),
                    "--backend-port", String.valueOf(backendPort));

            assertEquals(1, run.exitCode(), run::describe);
            assertTrue(run.stderr().contains("run-local: port " + taken.getLocalPort()
                    + " on 127.0.0.1 is already in use; choose others with --port / --backend-port"), run::describe);
            assertFalse(run.stdout().contains("check passed"), run::describe);
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("inverting-proxy-run.")).toList(),
                        "nothing should have been started, not even a log directory");
            }
        }
    }

    static Stream<Arguments> badCommandLines() {
        return Stream.of(
                Arguments.of(List.of("--bogus"), "unknown argument: --bogus"),
                Arguments.of(List.of("--check", "extra"), "unknown argument: extra"),
                Arguments.of(List.of("--port"), "--port needs a value"),
                Arguments.of(List.of("--port", "--check"), "--port needs a value"),
                Arguments.of(List.of("--port", "http"), "--port must be a port number, got 'http'"),
                Arguments.of(List.of("--port=70000"), "--port must be a port number, got '70000'"),
                Arguments.of(List.of("--backend-port", "0"), "--backend-port must be a port number, got '0'"),
                Arguments.of(List.of("--port", "18080", "--backend-port", "18080"), "--port and --backend-port must differ"));
    }

    @ParameterizedTest
    @MethodSource("badCommandLines")
    void aBadCommandLinePrintsOneErrorLineAndExitsTwo(List<String> args, String message) throws Exception {
        Scripts.Run run = runLocal(20, args.toArray(String[]::new));

        assertEquals(2, run.exitCode(), run::describe);
        assertEquals("run-local: " + message + " (try --help)\n", run.stderr(), run::describe);
        assertEquals("", run.stdout(), run::describe);
    }

    @Test
    void helpPrintsTheUsageAndExitsZero() throws Exception {
        for (String flag : List.of("--help", "-h")) {
            Scripts.Run run = runLocal(20, "--port", "1", flag, "--bogus");

            assertEquals(0, run.exitCode(), run::describe);
            assertTrue(run.stdout().startsWith("Usage: scripts/run-local "), run::describe);
            for (String documented : List.of("--port N", "--backend-port N", "--rebuild", "--check", "--help")) {
                assertTrue(run.stdout().contains("\n  " + documented + " "), documented + " not in\n" + run.stdout());
            }
            assertEquals("", run.stderr(), run::describe);
        }
    }

    private Scripts.Run runLocal(long seconds, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(RUN_LOCAL.toString()));
        command.addAll(List.of(args));
        Map<String, String> environment = Scripts.cleanEnvironment();
        environment.put("TMPDIR", tmp.toString());
        return Scripts.run(command, environment, tmp.resolve("out"), seconds);
    }

    /** The lines printed indented by two spaces right after the line starting with {@code heading}, unindented. */
    private static List<String> indentedLinesAfter(String printed, String heading) {
        List<String> lines = List.of(printed.split("\n"));
        int at = 0;
        while (at < lines.size() && !lines.get(at).startsWith(heading)) {
            at++;
        }
        assertTrue(at < lines.size(), "no line starting with '" + heading + "' in:\n" + printed);
        List<String> indented = new ArrayList<>();
        for (String line : lines.subList(at + 1, lines.size())) {
            if (!line.startsWith("  ")) {
                break;
            }
            indented.add(line.substring(2));
        }
        assertFalse(indented.isEmpty(), "nothing to try under '" + heading + "' in:\n" + printed);
        return indented;
    }

    /** The PID of the one process whose command line contains {@code marker}. */
    private static long onlyProcess(List<ProcessHandle> processes, String marker) throws Exception {
        List<Long> matching = new ArrayList<>();
        for (ProcessHandle process : processes) {
            if (process.isAlive() && Scripts.commandLine(process.pid()).contains(marker)) {
                matching.add(process.pid());
            }
        }
        assertEquals(1, matching.size(), "processes running " + marker + ": " + matching);
        return matching.get(0);
    }

    /** The key ID of the one agent credential in a registry file. */
    private static String onlyAgentKeyId(String registry) {
        Matcher matcher = Pattern.compile("\"keyId\"\\s*:\\s*\"([0-9a-f]+)\"").matcher(registry);
        assertTrue(matcher.find(), "no agent key in the registry:\n" + registry);
        String keyId = matcher.group(1);
        assertFalse(matcher.find(), "more than one agent key in the registry:\n" + registry);
        return keyId;
    }

    private Path onlyRunDirectory() throws Exception {
        try (Stream<Path> dirs = Files.list(tmp)) {
            List<Path> runs = dirs.filter(p -> p.getFileName().toString().startsWith("inverting-proxy-run.")).toList();
            assertEquals(1, runs.size(), "log directories in " + tmp + ": " + runs);
            return runs.get(0);
        }
    }
}
