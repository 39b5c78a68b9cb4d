package net.invertingproxy.proxy.scripts;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.proxy.config.ProxySetting;
import net.invertingproxy.proxy.config.ProxySettings;
import net.invertingproxy.tunnel.AdminClient;
import net.invertingproxy.tunnel.TestBackend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The systemd units in {@code scripts/systemd/}, without a running systemd: read as systemd reads them and checked
 * against the scripts, the artefacts and the README; verified by {@code systemd-analyze verify};
 * and their ExecStart run in an install layout with the example environment files, the way systemd would run them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SystemdUnitsIT {
    /** Where the units say the scripts and artefacts are installed. */
    private static final String INSTALL_ROOT = "/opt/inverting-proxy";
    /** Where systemd puts a unit's StateDirectory= (for system services). */
    private static final String STATE_ROOT = "/var/lib";
    /** systemd's default PATH for services (systemd 252), behind the JDK under test. */
    private static final String SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin";

    /** The two units, the script each runs and the artefact that script runs. */
    enum Service {
        PROXY("inverting-proxy.service", "run-proxy", Scripts.WAR),
        AGENT("inverting-proxy-agent.service", "run-agent", Scripts.AGENT_JAR);

        final String unitName;
        final String script;
        final Path artifact;

        Service(String unitName, String script, Path artifact) {
            this.unitName = unitName;
            this.script = script;
            this.artifact = artifact;
        }

        SystemdUnit unit() throws IOException {
            return SystemdUnit.parse(Scripts.SYSTEMD.resolve(unitName));
        }

        /** The example for the unit's EnvironmentFile: its file name plus {@code .example}, beside the unit. */
        Path environmentExample() throws IOException {
            return Scripts.SYSTEMD.resolve(unit().environmentFile().getFileName() + ".example");
        }
    }

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

    @ParameterizedTest
    @EnumSource(Service.class)
    void unitRunsItsScriptFromTheDocumentedInstallLayout(Service service) throws Exception {
        SystemdUnit unit = service.unit();
        String install = unit.headerText();

        assertEquals(List.of(INSTALL_ROOT + "/bin/" + service.script), unit.execStart(),
                "ExecStart should run the installed script, which reads everything else from the environment");
        Path script = Scripts.SCRIPTS.resolve(service.script);
        assertTrue(Files.isRegularFile(script) && Files.isExecutable(script), script + " must exist and be executable");
        assertTrue(install.contains("scripts/" + service.script + " to " + INSTALL_ROOT + "/bin/"),
                "the install comment should say where the script goes:\n" + install);

        // The script finds the artefact in ../lib/ of its install, under the name the build gives it.
        String artifactName = service.artifact.getFileName().toString();
        assertTrue(Files.readString(script).contains("\"$here/../lib/" + artifactName + "\""),
                service.script + " does not look for " + artifactName + " in ../lib/");
        assertTrue(install.contains(" to " + INSTALL_ROOT + "/lib/"), "the install comment should say where the "
                + artifactName + " goes:\n" + install);

        Path environmentFile = unit.environmentFile();
        assertTrue(environmentFile.startsWith("/etc/inverting-proxy/"), environmentFile.toString());
        assertTrue(install.contains("settings to " + environmentFile + " (see " + service.environmentExample().getFileName()
                + ")"), "the install comment should name the environment file and its example:\n" + install);
        List<String> example = Files.readAllLines(service.environmentExample());
        assertTrue(example.get(0).startsWith("# " + environmentFile + ": "), service.environmentExample()
                + " should begin by naming the file it is an example of, " + environmentFile);
        // The environment file holds a secret (the admin token, the agent credential): installed owner-only, and
        // the example says so too, for whoever edits the installed copy.
        assertTrue(Pattern.compile("install [^\\n]*-m 0600 [^\\n]*" + Pattern.quote(service.environmentExample()
                        .getFileName().toString()) + " " + Pattern.quote(environmentFile.toString())).matcher(install).find(),
                "the install comment should install " + environmentFile + " with mode 0600 (it holds a secret):\n" + install);
        assertTrue(String.join("\n", example).contains("mode 0600"), service.environmentExample()
                + " should say the file is to be kept at mode 0600");

        // systemd refuses to start a unit whose User= does not exist: the install steps must create it.
        String user = unit.valueOrNull("Service", "User");
        if (user != null) {
            assertTrue(Pattern.compile("useradd [^\\n]*\\b" + Pattern.quote(user) + "\\b").matcher(install).find(),
                    "User=" + user + " but the install comment does not say to create it:\n" + install);
        }
        assertEquals("simple", unit.value("Service", "Type"), "the script execs the JVM, which is the service");
        assertEquals("SIGTERM", unit.value("Service", "KillSignal"), "the JVMs stop gracefully on SIGTERM");
        assertEquals("multi-user.target", unit.value("Install", "WantedBy"));
    }

    @Test
    void everyProxyVariableInTheExampleIsDocumentedAndAccepted() throws Exception {
        Path example = Service.PROXY.environmentExample();
        Map<String, String> variables = EnvironmentFile.read(example);
        String readme = Files.readString(Scripts.README);
        String scriptHelp = scriptHelp(Service.PROXY);
        List<String> names = new ArrayList<>(variables.keySet());
        names.addAll(EnvironmentFile.commentedOutNames(example));
        assertTrue(names.containsAll(List.of("PROXY_PORT", "PROXY_HOST", "JAVA_OPTS")), names.toString());

        for (String name : names) {
            if (name.startsWith("INVERTING_PROXY_")) {
                ProxySetting setting = proxySettingFor(name);
                assertNotNull(setting, example.getFileName() + ": " + name + " is no proxy setting (see ProxySetting)");
                assertTrue(readme.contains("| `" + setting.key() + "` |"),
                        name + ": the README's proxy settings table lacks " + setting.key());
            } else {
                assertTrue(mentions(scriptHelp, name), example.getFileName() + ": " + name
                        + " is neither a proxy setting nor documented by run-proxy --help");
            }
        }
        // The admin token is there to be filled in, with how to make one; the example's own value is empty, which
        // turns the admin API off, never a token shared by every install that copies the example.
        assertEquals("", variables.get(ProxySetting.ADMIN_TOKEN.environmentVariable()),
                example.getFileName() + " should set " + ProxySetting.ADMIN_TOKEN.environmentVariable() + ", to empty");
        assertTrue(Files.readString(example).contains("openssl rand -hex 32"), example.getFileName()
                + " should say how to make an admin token");
        // The unit's Environment= sets the data directory; the file, which would win over it, leaves it alone.
        assertFalse(variables.containsKey(ProxySetting.DATA_DIR.environmentVariable()), example.getFileName()
                + " should not move the registry out of the unit's StateDirectory=");
        // The values are ones the proxy and the script accept.
        ProxySettings settings = assertDoesNotThrow(() -> ProxySettings.resolve(n -> null, Map.of(), variables));
        assertEquals(Duration.ofSeconds(Long.parseLong(variables.get("INVERTING_PROXY_DRAIN_TIMEOUT_SECONDS"))),
                settings.drainTimeout(), "the example's drain timeout did not reach the settings");
        assertTrue(variables.get("PROXY_PORT").matches("\\d{1,5}"), variables.get("PROXY_PORT"));
    }

    @Test
    void everyAgentVariableInTheExampleIsDocumentedAndAccepted() throws Exception {
        Path example = Service.AGENT.environmentExample();
        Map<String, String> variables = EnvironmentFile.read(example);
        String readme = Files.readString(Scripts.README);
        String scriptHelp = scriptHelp(Service.AGENT);
        String agentUsage = AgentConfig.usage();
        List<String> names = new ArrayList<>(variables.keySet());
        names.addAll(EnvironmentFile.commentedOutNames(example));
        assertTrue(names.containsAll(List.of("INVERTING_PROXY_AGENT_PROXY", "INVERTING_PROXY_AGENT_HOST", "JAVA_OPTS")),
                names.toString());

        for (String name : names) {
            if (name.equals("INVERTING_PROXY_AGENT_CONFIG")) {
                assertTrue(readme.contains("`" + name + "`"), "the README does not document " + name);
            } else if (name.startsWith("INVERTING_PROXY_AGENT_")) {
                String flag = "-" + name.substring("INVERTING_PROXY_AGENT_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
                assertTrue(readme.contains("| `" + flag + " ") || readme.contains("| `" + flag + "` |"),
                        example.getFileName() + ": " + name + ": the README's agent flag table has no " + flag);
                assertTrue(Pattern.compile("(?m)^\\s*" + Pattern.quote(flag) + "\\b").matcher(agentUsage).find(),
                        name + ": the agent does not know " + flag + ":\n" + agentUsage);
            } else {
                assertTrue(mentions(scriptHelp, name), example.getFileName() + ": " + name
                        + " is neither an agent flag nor documented by run-agent --help");
            }
        }
        // The credential goes in the environment file, not on a command line; the example's is empty (none yet).
        assertEquals("", variables.get("INVERTING_PROXY_AGENT_CREDENTIAL"),
                example.getFileName() + " should set INVERTING_PROXY_AGENT_CREDENTIAL, to empty");
        assertDoesNotThrow(() -> AgentConfig.resolve(variables), "the agent refuses the example's settings");
    }

    @Test
    void theProxyKeepsItsRegistryInTheUnitsStateDirectory() throws Exception {
        SystemdUnit unit = Service.PROXY.unit();
        // Under ProtectSystem=strict all of / is read-only but for the StateDirectory=, which systemd creates for
        // User= (owner-only here: the registry holds the credentials' hashes) and keeps across restarts.
        assertEquals("strict", unit.value("Service", "ProtectSystem"));
        String stateDirectory = unit.value("Service", "StateDirectory");
        assertTrue(stateDirectory.matches("[a-z][a-z0-9.-]*"), "StateDirectory=" + stateDirectory);
        assertEquals("0700", unit.value("Service", "StateDirectoryMode"));
        assertEquals(STATE_ROOT + "/" + stateDirectory, unit.environment().get(ProxySetting.DATA_DIR.environmentVariable()),
                "the unit should point " + ProxySetting.DATA_DIR.environmentVariable() + " at its StateDirectory=");
        assertTrue(unit.headerText().contains(STATE_ROOT + "/" + stateDirectory),
                "the install comment should say where the registry is kept:\n" + unit.headerText());
        // The agent keeps nothing.
        assertEquals(List.of(), Service.AGENT.unit().values("Service", "StateDirectory"));
    }

    @Test
    void stopTimeoutsGiveTheGracefulStopsTheirTime() throws Exception {
        String readme = Files.readString(Scripts.README);
        Matcher stopTimeout = Pattern.compile("\\| `--stop-timeout-seconds N` \\| `(\\d+)` \\|").matcher(readme);
        assertTrue(stopTimeout.find(), "the README's launcher table lacks --stop-timeout-seconds");
        long launcherStop = Long.parseLong(stopTimeout.group(1));
        long drain = ProxySettings.resolve(n -> null, Map.of(), EnvironmentFile.read(Service.PROXY.environmentExample()))
                .drainTimeout().toSeconds();
        long proxyUnitStop = Service.PROXY.unit().seconds("Service", "TimeoutStopSec");
        assertTrue(proxyUnitStop > drain && proxyUnitStop > launcherStop, "TimeoutStopSec=" + proxyUnitStop
                + " leaves no slack over the drain (" + drain + " s) and the launcher's stop timeout (" + launcherStop + " s)");

        Duration grace = AgentConfig.resolve(EnvironmentFile.read(Service.AGENT.environmentExample())).gracefulShutdownTimeout();
        long agentUnitStop = Service.AGENT.unit().seconds("Service", "TimeoutStopSec");
        assertTrue(agentUnitStop > grace.toSeconds(), "the agent's TimeoutStopSec=" + agentUnitStop
                + " is not above its -graceful-shutdown-timeout " + grace);
    }

    @Test
    void systemdAnalyzeVerifiesTheUnits() throws Exception {
        Path systemdAnalyze = Scripts.onPath("systemd-analyze");
        assertNotNull(systemdAnalyze, "systemd-analyze is not installed (Debian: apt-get install systemd; .ci/run installs it)");
        Path root = installLayout();
        // The units as installed, with the install root moved to where this test installed the scripts.
        List<String> command = new ArrayList<>(List.of(systemdAnalyze.toString(), "verify"));
        for (Service service : Service.values()) {
            String text = Files.readString(Scripts.SYSTEMD.resolve(service.unitName)).replace(INSTALL_ROOT, root.toString());
            Path unit = Files.createDirectories(tmp.resolve("units")).resolve(service.unitName);
            Files.writeString(unit, text);
            command.add(unit.toString());
        }

        Scripts.Run run = Scripts.run(command, Scripts.cleanEnvironment(), tmp.resolve("out"), 45);

        // verify exits 0 even for unknown keys and unparsable values, which it only reports: both must be silent.
        assertEquals(0, run.exitCode(), run::describe);
        assertEquals("", run.stdout() + run.stderr(), run::describe);
    }

    @Test
    void theUnitsServeWhenRunAsSystemdWouldRunThem() throws Exception {
        TestBackend backend = new TestBackend();
        cleanup.add(backend);
        backend.behave((request, response, recorded) -> {
            response.setStatus(200);
            response.getOutputStream().write(("systemd-run backend: " + recorded.target()).getBytes(StandardCharsets.UTF_8));
        });
        Path root = installLayout();
        Path privateTmp = Files.createDirectories(tmp.resolve("private-tmp"));
        Path workDir = Files.createDirectories(tmp.resolve("working-directory"));
        int port = Scripts.freePorts(1)[0];

        // The example environments as an operator fills them in: the ports moved to free loopback ones, the example
        // proxy URL replaced, an admin token made up, and the agent credential the admin API issued.
        String adminToken = Scripts.randomToken();
        Map<String, String> proxyOverrides = new LinkedHashMap<>();
        proxyOverrides.put("PROXY_PORT", String.valueOf(port));
        proxyOverrides.put("PROXY_HOST", "127.0.0.1");
        proxyOverrides.put(ProxySetting.ADMIN_TOKEN.environmentVariable(), adminToken);
        Map<String, String> agentOverrides = new LinkedHashMap<>();
        agentOverrides.put("INVERTING_PROXY_AGENT_PROXY", "http://127.0.0.1:" + port + "/");
        agentOverrides.put("INVERTING_PROXY_AGENT_HOST", backend.hostAndPort());

        SystemdUnit proxyUnit = Service.PROXY.unit();
        Path stateDirectory = tmp.resolve(STATE_ROOT.substring(1)).resolve(proxyUnit.value("Service", "StateDirectory"));
        Path registry = stateDirectory.resolve("backends.json");
        ScriptProcess proxy = startAsSystemd(Service.PROXY, root, proxyOverrides, privateTmp, workDir);
        proxy.awaitLine(Pattern.compile("^inverting-proxy listening on http://127\\.0\\.0\\.1:" + port + "/ "), 30);
        RunProxyAndAgentIT.assertExecsJava(proxy);
        assertRuns(proxy, root.resolve("lib/inverting-proxy.war"));
        // It opened its registry in the StateDirectory= (empty: a first start), with the admin API on.
        assertTrue(proxy.output().contains(" 0 backends from " + registry + ", admin API on,"), proxy::output);

        // Nothing is served until the operator creates a backend with the token from proxy.env.
        URI proxyUri = URI.create("http://127.0.0.1:" + port + "/");
        assertEquals(404, Scripts.get(proxyUri.resolve("/via/systemd")).statusCode(), "served before any backend existed");
        String credential = AdminClient.agentCredential(new AdminClient(proxyUri, adminToken).create(Scripts.DEFAULT_BACKEND));
        agentOverrides.put("INVERTING_PROXY_AGENT_CREDENTIAL", credential);

        SystemdUnit agentUnit = Service.AGENT.unit();
        ScriptProcess agent = startAsSystemd(Service.AGENT, root, agentOverrides, privateTmp, workDir);
        agent.awaitLine(Pattern.compile("polling http://127\\.0\\.0\\.1:" + port + "/ for backend 'default'( [^,]*)?,"
                + " forwarding to http://" + Pattern.quote(backend.hostAndPort())), 30);
        RunProxyAndAgentIT.assertExecsJava(agent);
        assertRuns(agent, root.resolve("lib/inverting-proxy-agent.jar"));

        HttpResponse<String> response = Scripts.awaitOk(proxyUri.resolve("/via/systemd?x=1"), 30, List.of(proxy, agent));
        assertEquals("systemd-run backend: /via/systemd?x=1", response.body());
        assertEquals("/via/systemd?x=1", backend.nextRequest().target());

        // systemctl stop: KillSignal (SIGTERM) to the main process; a clean stop is an exit status the unit accepts.
        int agentExit = agent.terminate(Math.min(15, agentUnit.seconds("Service", "TimeoutStopSec")));
        assertTrue(agentUnit.successExitCodes().contains(agentExit),
                "the agent exited " + agentExit + ", which its unit counts as a failure:\n" + agent.output());
        int proxyExit = proxy.terminate(Math.min(15, proxyUnit.seconds("Service", "TimeoutStopSec")));
        assertTrue(proxyUnit.successExitCodes().contains(proxyExit),
                "the proxy exited " + proxyExit + ", which its unit counts as a failure:\n" + proxy.output());
        // Nothing was written relative to the working directory: under systemd that is /, and read-only.
        try (Stream<Path> written = Files.list(workDir)) {
            assertEquals(List.of(), written.toList(), "the services wrote into their working directory, which is / and"
                    + " read-only (ProtectSystem=strict) under systemd; give them a StateDirectory= instead");
        }
        // The registry went to the StateDirectory=, owner-only, and a restart would serve the backend again.
        assertTrue(Files.isRegularFile(registry), "no registry in the unit's StateDirectory= " + stateDirectory);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(registry));
        assertTrue(Files.readString(registry).contains("\"" + Scripts.keyId(credential) + "\""),
                "the registry does not hold the agent credential's key:\n" + Files.readString(registry));
    }

    /**
     * Starts the unit's ExecStart as systemd does: with the install root and /var/lib moved into the test's directory,
     * the StateDirectory= created, with only systemd's PATH (the JDK under test first, as {@code /usr/bin/java} would
     * be), the unit's Environment= and the variables of the example EnvironmentFile, plus the overrides;
     * java.io.tmpdir in a directory of its own, like PrivateTmp=yes. systemd
     * runs it in {@code /}, read-only under ProtectSystem=strict; here the working directory is an empty one of the
     * test's, which must stay empty.
     */
    private ScriptProcess startAsSystemd(Service service, Path root, Map<String, String> overrides, Path privateTmp,
                                         Path workDir) throws IOException {
        SystemdUnit unit = service.unit();
        List<String> command = new ArrayList<>();
        for (String word : unit.execStart()) {
            command.add(word.replace(INSTALL_ROOT, root.toString()));
        }
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("PATH", Scripts.JAVA_BIN + ":" + SYSTEMD_PATH);
        environment.put("LANG", "C.UTF-8");
        // StateDirectory=: systemd creates it (for User=, with StateDirectoryMode=) and names it in $STATE_DIRECTORY.
        Path varLib = tmp.resolve(STATE_ROOT.substring(1));
        String stateDirectory = unit.valueOrNull("Service", "StateDirectory");
        if (stateDirectory != null) {
            Path state = Files.createDirectories(varLib.resolve(stateDirectory));
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
            environment.put("STATE_DIRECTORY", state.toString());
        }
        // Environment= first, then EnvironmentFile=, whose variables win (systemd.exec(5)); paths moved like the rest.
        unit.environment().forEach((name, value) -> environment.put(name,
                value.replace(INSTALL_ROOT, root.toString()).replace(STATE_ROOT + "/", varLib + "/")));
        Map<String, String> fromFile = EnvironmentFile.read(service.environmentExample());
        for (String name : overrides.keySet()) {
            assertTrue(fromFile.containsKey(name), service.environmentExample().getFileName() + " should set " + name);
        }
        environment.putAll(fromFile);
        environment.putAll(overrides);
        assertNotNull(environment.get("JAVA_OPTS"), "the example should set JAVA_OPTS");
        environment.put("JAVA_OPTS", environment.get("JAVA_OPTS") + " -Djava.io.tmpdir=" + privateTmp);
        ScriptProcess process = ScriptProcess.start(service.unitName, command, environment, workDir,
                tmp.resolve(service.unitName + ".log"));
        cleanup.add(process);
        return process;
    }

    /** The scripts copied to bin/ and the artefacts linked into lib/ of a fresh install root, as the units' comments say. */
    private Path installLayout() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("opt/inverting-proxy"));
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path lib = Files.createDirectories(root.resolve("lib"));
        for (Service service : Service.values()) {
            Path script = Files.copy(Scripts.SCRIPTS.resolve(service.script), bin.resolve(service.script));
            assertTrue(script.toFile().setExecutable(true), "cannot make " + script + " executable");
            Files.createSymbolicLink(lib.resolve(service.artifact.getFileName()), service.artifact);
        }
        return root;
    }

    /** The JVM runs {@code -jar} on the artefact installed in lib/ (not on the build's). */
    private static void assertRuns(ScriptProcess process, Path artifact) {
        List<String> arguments = ProcessHandle.of(process.pid()).flatMap(h -> h.info().arguments()).map(List::of)
                .orElse(List.of());
        int jar = arguments.indexOf("-jar");
        assertTrue(jar >= 0 && jar + 1 < arguments.size()
                        && Path.of(arguments.get(jar + 1)).normalize().equals(artifact.normalize()),
                process.name() + " should run -jar " + artifact + ", runs with " + arguments);
    }

    /** Whether the text names the variable as a word of its own (JAVA is not named by JAVA_OPTS). */
    private static boolean mentions(String text, String name) {
        return Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(name) + "(?![A-Za-z0-9_])").matcher(text).find();
    }

    private static ProxySetting proxySettingFor(String environmentVariable) {
        for (ProxySetting setting : ProxySetting.values()) {
            if (setting.environmentVariable().equals(environmentVariable)) {
                return setting;
            }
        }
        return null;
    }

    /** What {@code scripts/run-… --help} prints. */
    private String scriptHelp(Service service) throws Exception {
        Map<String, String> environment = Scripts.cleanEnvironment();
        environment.put("INVERTING_PROXY_WAR", Scripts.WAR.toString());
        environment.put("INVERTING_PROXY_AGENT_JAR", Scripts.AGENT_JAR.toString());
        Scripts.Run run = Scripts.run(List.of(Scripts.SCRIPTS.resolve(service.script).toString(), "--help"), environment,
                tmp.resolve("out"), 30);
        assertEquals(0, run.exitCode(), run::describe);
        return run.stdout();
    }
}
