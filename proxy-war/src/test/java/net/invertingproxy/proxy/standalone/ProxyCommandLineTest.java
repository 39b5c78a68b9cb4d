package net.invertingproxy.proxy.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import net.invertingproxy.proxy.config.ProxySetting;
import net.invertingproxy.proxy.standalone.EmbeddedProxy.Options;

class ProxyCommandLineTest {
    private static final Path WEBAPP = Path.of("src/main/webapp");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void noFlagsGiveTheDocumentedDefaults() throws Exception {
        ProxyCommandLine.Invocation invocation = ProxyCommandLine.parse(new String[0], WEBAPP);

        assertFalse(invocation.helpRequested());
        Options options = invocation.options();
        assertEquals(8080, options.port());
        assertEquals("0.0.0.0", options.host());
        assertEquals(Duration.ofSeconds(75), options.idleTimeout());
        assertEquals(65536, options.maxHeaderBytes());
        assertEquals(Duration.ofSeconds(30), options.stopTimeout());
        assertEquals(Map.of(), options.initParameters());
        assertEquals(WEBAPP, options.webappDir());
    }

    @Test
    void everyFlagChangesItsOption() throws Exception {
        Options options = ProxyCommandLine.parse(new String[] {
            "--port", "0", "--host", "127.0.0.1", "--idle-timeout-seconds", "90",
            "--max-request-header-bytes", "8192", "--stop-timeout-seconds", "0",
            "--set", "poll-hold-seconds=20", "--set", "request-timeout-seconds=30",
        }, WEBAPP).options();

        assertEquals(0, options.port());
        assertEquals("127.0.0.1", options.host());
        assertEquals(Duration.ofSeconds(90), options.idleTimeout());
        assertEquals(8192, options.maxHeaderBytes());
        assertEquals(Duration.ZERO, options.stopTimeout());
        assertEquals(Map.of("poll-hold-seconds", "20", "request-timeout-seconds", "30"), options.initParameters());
    }

    @Test
    void valuesMayFollowAnEqualsSign() throws Exception {
        Options options = ProxyCommandLine.parse(
                new String[] {"--port=9090", "--set=poll-hold-seconds=5"}, WEBAPP).options();

        assertEquals(9090, options.port());
        assertEquals(Map.of("poll-hold-seconds", "5"), options.initParameters());
    }

    @Test
    void theLastValueOfARepeatedSettingWins() throws Exception {
        Options options = ProxyCommandLine.parse(
                new String[] {"--set", "poll-hold-seconds=5", "--set", "poll-hold-seconds=7"}, WEBAPP).options();

        assertEquals(Map.of("poll-hold-seconds", "7"), options.initParameters());
    }

    @Test
    void helpListsEveryFlagAndSettingWithItsDefaultAndExitsZero() {
        int exitCode = run("--port", "1", "--help");

        assertEquals(0, exitCode);
        String help = out.toString(StandardCharsets.UTF_8);
        for (CommandLineFlag flag : CommandLineFlag.values()) {
            assertTrue(help.contains(flag.synopsis()), () -> "help lacks " + flag.synopsis() + ":\n" + help);
        }
        for (String shownDefault : new String[] {"(default: 8080)", "(default: 0.0.0.0)", "(default: 75)",
                                                 "(default: 65536)", "(default: 10)"}) {
            assertTrue(help.contains(shownDefault), () -> "help lacks " + shownDefault + ":\n" + help);
        }
        for (ProxySetting setting : ProxySetting.values()) {
            assertTrue(help.contains(setting.key()), () -> "help lacks setting " + setting.key() + ":\n" + help);
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--bogus", "stray", "--port", "--port abc", "--port 70000", "--port -1", "--idle-timeout-seconds 0",
        "--max-request-header-bytes 0", "--stop-timeout-seconds -1", "--set poll-hold-seconds", "--set =5",
        "--set no-such-setting=1", "--host=",
    })
    void aBadCommandLineGivesOneErrorLineAndExitCodeTwo(String commandLine) {
        int exitCode = run(commandLine.split(" "));

        assertEquals(2, exitCode);
        String[] lines = err.toString(StandardCharsets.UTF_8).split("\\R");
        assertEquals(1, lines.length, () -> String.join("\n", lines));
        assertTrue(lines[0].startsWith("error: "), lines[0]);
        assertTrue(lines[0].endsWith(" (run with --help for usage)"), lines[0]);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aBogusFlagIsOneLineThatPointsToHelp() {
        assertEquals(2, run("--bogus"));
        assertEquals("error: unknown flag: --bogus (run with --help for usage)" + System.lineSeparator(),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void errorsNameTheFlagAndTheProblem() {
        assertEquals("unknown flag: --bogus", usageError("--bogus"));
        assertEquals("--port: not a whole number: abc", usageError("--port", "abc"));
        assertEquals("--port: port must be 0 to 65535, not 70000", usageError("--port", "70000"));
        assertEquals("--port needs a value: --port N", usageError("--port"));
        assertEquals("--set: unknown proxy setting poll-hold", usageError("--set", "poll-hold=1"));
    }

    private String usageError(String... args) {
        return assertThrows(UsageException.class, () -> ProxyCommandLine.parse(args, WEBAPP)).getMessage();
    }

    private int run(String... args) {
        return ProxyCommandLine.run(args, WEBAPP, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
