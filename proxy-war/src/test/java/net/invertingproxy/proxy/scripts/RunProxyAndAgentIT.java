package net.invertingproxy.proxy.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import net.invertingproxy.tunnel.AdminClient;
import net.invertingproxy.tunnel.TestBackend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/run-proxy} and {@code scripts/run-agent} start the packaged proxy and agent in the foreground, with
 * their settings from the environment and the command line as their headers document; a request through the proxy
 * reaches a real loopback backend, and SIGTERM stops both cleanly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunProxyAndAgentIT {
    static final Path RUN_PROXY = Scripts.SCRIPTS.resolve("run-proxy");
    static final Path RUN_AGENT = Scripts.SCRIPTS.resolve("run-agent");
    private static final Pattern POLLS_EMPTY =
            Pattern.compile("(?m)^inverting_proxy_polls_total\\{[^}]*result=\"empty\"[^}]*\\} ([0-9.eE+]+)$");

    @TempDir
    Path tmp;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void prerequisites() {
        Scripts.requireCommands("bash");
        Scripts.requireArtifacts();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    @Test
    void proxyAndAgentCarryARequestToTheBackendAndStopOnSigterm() throws Exception {
        TestBackend backend = new TestBackend();
        cleanup.add(backend);
        backend.behave((request, response, recorded) -> {
            response.setStatus(200);
            response.setContentType("text/plain;charset=utf-8");
            response.setHeader("X-Backend", "loopback");
            response.getOutputStream().write(("backend saw " + recorded.method() + " " + recorded.target())
                    .getBytes(StandardCharsets.UTF_8));
        });
        int[] ports = Scripts.freePorts(2);
        int port = ports[0];
        int decoyPort = ports[1];

        // The proxy: host from PROXY_HOST, a PROXY_PORT that the --port flag overrides, settings from the
        // environment (a 1 s poll hold, the admin token, the registry's directory) and one as a system property in
        // JAVA_OPTS (a metrics token).
        String adminToken = Scripts.randomToken();
        Path dataDir = tmp.resolve("registry");
        Map<String, String> proxyEnvironment = Scripts.cleanEnvironment();
        proxyEnvironment.put("INVERTING_PROXY_WAR", Scripts.WAR.toString());
        proxyEnvironment.put("PROXY_HOST", "127.0.0.1");
        proxyEnvironment.put("PROXY_PORT", String.valueOf(decoyPort));
        proxyEnvironment.put("INVERTING_PROXY_POLL_HOLD_SECONDS", "1");
        proxyEnvironment.put("INVERTING_PROXY_ADMIN_TOKEN", adminToken);
        proxyEnvironment.put("INVERTING_PROXY_DATA_DIR", dataDir.toString());
        proxyEnvironment.put("JAVA_OPTS", "-Xmx128m -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=" + tmp
                + " -Dinverting-proxy.metrics-token=s3cret");
        ScriptProcess proxy = ScriptProcess.start("run-proxy", List.of(RUN_PROXY.toString(), "--port", String.valueOf(port)),
                proxyEnvironment, tmp, tmp.resolve("proxy.log"));
        cleanup.add(proxy);
        proxy.awaitLine(Pattern.compile("^inverting-proxy listening on http://127\\.0\\.0\\.1:" + port + "/ "), 30);
        assertExecsJava(proxy);
        assertFalse(Scripts.listening(decoyPort), "--port should win over PROXY_PORT");
        assertTrue(proxy.output().contains(" 0 backends from " + dataDir.resolve("backends.json") + ", admin API on,"),
                "INVERTING_PROXY_DATA_DIR and INVERTING_PROXY_ADMIN_TOKEN did not reach the proxy:\n" + proxy.output());

        // The operator creates the backend with the admin token (INVERTING_PROXY_ADMIN_TOKEN reached the proxy: the
        // API is on and takes it) and gets the agent's credential.
        URI proxyUri = URI.create("http://127.0.0.1:" + port + "/");
        AdminClient admin = new AdminClient(proxyUri, adminToken);
        assertEquals(404, Scripts.get(proxyUri.resolve("/api/items")).statusCode(), "served before any backend existed");
        String credential = credentialWithUnderscoreInItsSecret(admin);
        assertTrue(Files.isRegularFile(dataDir.resolve("backends.json")), "the registry is not in INVERTING_PROXY_DATA_DIR");

        // The agent: where to go from its flags, one setting and its credential from INVERTING_PROXY_AGENT_<FLAG>.
        Map<String, String> agentEnvironment = Scripts.cleanEnvironment();
        agentEnvironment.put("INVERTING_PROXY_AGENT_JAR", Scripts.AGENT_JAR.toString());
        agentEnvironment.put("INVERTING_PROXY_AGENT_STRIP_CREDENTIALS", "true");
        agentEnvironment.put("INVERTING_PROXY_AGENT_CREDENTIAL", credential);
        agentEnvironment.put("JAVA_OPTS", "-Xmx64m -XX:+ExitOnOutOfMemoryError");
        ScriptProcess agent = ScriptProcess.start("run-agent", List.of(RUN_AGENT.toString(),
                        "-proxy", "http://127.0.0.1:" + port + "/", "-backend", "default", "-host", backend.hostAndPort()),
                agentEnvironment, tmp, tmp.resolve("agent.log"));
        cleanup.add(agent);
        agent.awaitLine(Pattern.compile("polling http://127\\.0\\.0\\.1:" + port + "/ for backend 'default'( [^,]*)?,"
                + " forwarding to http://" + Pattern.quote(backend.hostAndPort())), 30);
        assertExecsJava(agent);
        // The credential reached the agent from its environment, and no command line or log shows its secret.
        assertTrue(agent.output().contains("(credential ipa_" + Scripts.keyId(credential) + "_…)"), "the agent's summary"
                + " should name the credential ipa_" + Scripts.keyId(credential) + "_... by its key ID alone, without any"
                + " of its secret " + Scripts.secret(credential) + ":\n" + agent.output());
        assertSecretKept(credential, agent, proxy);

        HttpResponse<String> response = Scripts.awaitOk(proxyUri.resolve("/api/items?page=2"), 30, List.of(proxy, agent),
                "Authorization", "Bearer client-secret");
        assertEquals("backend saw GET /api/items?page=2", response.body());
        assertEquals("loopback", response.headers().firstValue("X-Backend").orElse(null));
        TestBackend.RecordedRequest seen = backend.nextRequest();
        assertEquals("/api/items?page=2", seen.target());
        assertNull(seen.header("Authorization"), "INVERTING_PROXY_AGENT_STRIP_CREDENTIALS=true did not reach the agent");
        assertSecretKept(credential, agent, proxy);

        // JAVA_OPTS reached the proxy's JVM: /metrics wants the token given there.
        URI metrics = proxyUri.resolve("/metrics");
        assertEquals(401, Scripts.get(metrics).statusCode());
        // INVERTING_PROXY_POLL_HOLD_SECONDS=1 reached the proxy: polls come back empty every second, where the
        // default hold (25 s) would give none within this test.
        assertTrue(awaitEmptyPolls(metrics, 3, 15) >= 3, "polls are not answered after a 1 s hold");

        // SIGTERM to the script's PID reaches the JVM (the scripts exec java): the agent exits 0, the proxy
        // 143 (the JVM's status after a SIGTERM it handled; the unit lists it in SuccessExitStatus).
        assertEquals(0, agent.terminate(15), agent::output);
        int proxyExit = proxy.terminate(15);
        assertTrue(proxyExit == 0 || proxyExit == 143, "proxy exit " + proxyExit + ":\n" + proxy.output());
        assertFalse(Scripts.listening(port), "the proxy still listens after it exited");
        // Its shutdown hooks ran: the WAR it unpacked into java.io.tmpdir is gone.
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("inverting-proxy-")).toList(),
                    "the unpacked WAR was left behind");
        }
    }

    @Test
    void helpPrintsTheScriptsUsageThenTheProgramsAndExitsZero() throws Exception {
        Map<String, String> environment = Scripts.cleanEnvironment();
        environment.put("INVERTING_PROXY_WAR", Scripts.WAR.toString());
        environment.put("INVERTING_PROXY_AGENT_JAR", Scripts.AGENT_JAR.toString());

        Scripts.Run proxyHelp = Scripts.run(List.of(RUN_PROXY.toString(), "--help"), environment, tmp, 30);
        assertEquals(0, proxyHelp.exitCode(), proxyHelp::describe);
        assertPrintsWholeHeader(RUN_PROXY, proxyHelp.stdout());
        assertTrue(proxyHelp.stdout().contains("usage: java -jar inverting-proxy.war"), proxyHelp::describe);
        assertTrue(proxyHelp.stdout().contains("--stop-timeout-seconds"), proxyHelp::describe);

        Scripts.Run agentHelp = Scripts.run(List.of(RUN_AGENT.toString(), "--help"), environment, tmp, 30);
        assertEquals(0, agentHelp.exitCode(), agentHelp::describe);
        assertPrintsWholeHeader(RUN_AGENT, agentHelp.stdout());
        assertTrue(agentHelp.stdout().contains("Usage: java -jar inverting-proxy-agent.jar"), agentHelp::describe);
        assertTrue(agentHelp.stdout().contains("-graceful-shutdown-timeout"), agentHelp::describe);
    }

    @Test
    void aBadFlagIsTheProgramsUsageErrorExitTwo() throws Exception {
        Map<String, String> environment = Scripts.cleanEnvironment();
        environment.put("INVERTING_PROXY_WAR", Scripts.WAR.toString());
        environment.put("INVERTING_PROXY_AGENT_JAR", Scripts.AGENT_JAR.toString());

        Scripts.Run proxy = Scripts.run(List.of(RUN_PROXY.toString(), "--bogus"), environment, tmp, 30);
        assertEquals(2, proxy.exitCode(), proxy::describe);
        assertEquals("error: unknown flag: --bogus (run with --help for usage)\n", proxy.stderr(), proxy::describe);

        Scripts.Run agent = Scripts.run(List.of(RUN_AGENT.toString(), "-proxy", "http://127.0.0.1:9/", "-backend", "default",
                "-bogus"), environment, tmp, 30);
        assertEquals(2, agent.exitCode(), agent::describe);
        assertEquals("error: flag provided but not defined: -bogus (run with --help for usage)\n", agent.stderr(),
                agent::describe);
    }

    @Test
    void aMissingArtefactIsNamedAndExitsOne() throws Exception {
        Map<String, String> environment = Scripts.cleanEnvironment();
        Path missing = tmp.resolve("nowhere/inverting-proxy.war");
        environment.put("INVERTING_PROXY_WAR", missing.toString());
        environment.put("INVERTING_PROXY_AGENT_JAR", missing.toString());

        Scripts.Run proxy = Scripts.run(List.of(RUN_PROXY.toString()), environment, tmp, 20);
        assertEquals(1, proxy.exitCode(), proxy::describe);
        assertEquals("run-proxy: no WAR found at " + missing + "; set INVERTING_PROXY_WAR or build with mvn -B package\n",
                proxy.stderr());

        Scripts.Run agent = Scripts.run(List.of(RUN_AGENT.toString()), environment, tmp, 20);
        assertEquals(1, agent.exitCode(), agent::describe);
        assertEquals("run-agent: no agent jar found at " + missing
                + "; set INVERTING_PROXY_AGENT_JAR or build with mvn -B package\n", agent.stderr());
    }

    /**
     * Creates backend 'default' and returns an agent credential whose secret contains '_', rolling the credential as
     * an operator would (issue a second, delete the first) until one does: the secret is base64url, so about every
     * other one does, and a log that cuts the credential at its last '_' would show part of such a secret.
     */
    private static String credentialWithUnderscoreInItsSecret(AdminClient admin) throws Exception {
        String credential = AdminClient.agentCredential(admin.create(Scripts.DEFAULT_BACKEND));
        for (int rolls = 0; !Scripts.secret(credential).contains("_"); rolls++) {
            assertTrue(rolls < 60, "60 credentials in a row without '_' in their secrets: not base64url?");
            AdminClient.Answer issued = admin.call("POST", "/api/backends/default/agent-credentials", null);
            assertEquals(201, issued.status(), issued::body);
            String old = Scripts.keyId(credential);
            credential = issued.json().get("agentCredential").getAsString();
            AdminClient.Answer withdrawn = admin.call("DELETE", "/api/backends/default/agent-credentials/" + old, null);
            assertEquals(204, withdrawn.status(), withdrawn::body);
        }
        return credential;
    }

    /**
     * The credential's secret, or its first 12 characters, is on no command line (ps shows those to every user) and in
     * no output.
     */
    static void assertSecretKept(String credential, ScriptProcess... processes) throws Exception {
        String secret = Scripts.secret(credential);
        String fragment = secret.substring(0, 12);
        for (ScriptProcess process : processes) {
            if (process.isAlive()) {
                assertFalse(Scripts.commandLine(process.pid()).contains(fragment), process.name()
                        + "'s command line shows the agent credential: " + Scripts.commandLine(process.pid()));
            }
            assertFalse(process.output().contains(fragment), process.name() + " printed (part of) the agent credential's"
                    + " secret " + secret + ":\n" + process.output());
        }
    }

    /** The script replaced itself with the JVM, so the PID a service manager signals is the JVM's. */
    static void assertExecsJava(ScriptProcess process) {
        String command = ProcessHandle.of(process.pid()).flatMap(handle -> handle.info().command()).orElse("(gone)");
        assertTrue(command.endsWith("/java"), process.name() + " runs as " + command + ", not as java: it must exec");
    }

    /** Every line of the script's header comment is in its --help, so what the header documents is what users see. */
    static void assertPrintsWholeHeader(Path script, String help) throws Exception {
        List<String> header = Scripts.headerComment(script);
        assertTrue(header.size() >= 3, "no header comment in " + script);
        String expected = String.join("\n", header) + "\n\n";
        assertTrue(help.startsWith(expected), script.getFileName() + " --help should start with its whole header:\n"
                + expected + "\nbut printed:\n" + help);
    }

    private static double awaitEmptyPolls(URI metrics, double wanted, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        double count = 0;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = Scripts.get(metrics, "Authorization", "Bearer s3cret");
            assertEquals(200, response.statusCode(), response::body);
            Matcher matcher = POLLS_EMPTY.matcher(response.body());
            count = matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
            if (count >= wanted) {
                return count;
            }
            Thread.sleep(250);
        }
        return count;
    }
}
