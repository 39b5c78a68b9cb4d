package net.invertingproxy.proxy.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code scripts/bench} without running a benchmark: its help, which README's "Benchmark" section must agree with,
 * and the one-line refusal of a bad flag. Neither starts a server nor needs wrk or nginx.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BenchScriptIT {
    private static final Path BENCH = Scripts.SCRIPTS.resolve("bench");
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*[a-z]");

    @TempDir
    Path tmp;

    @BeforeAll
    static void prerequisites() {
        Scripts.requireCommands("bash");
    }

    @Test
    void helpDocumentsEveryFlagTheReadmeDocumentsAndTheOtherWayRound() throws Exception {
        Scripts.Run run = bench("--help");

        assertEquals(0, run.exitCode(), run::describe);
        assertTrue(run.stdout().startsWith("Usage: scripts/bench "), run::describe);
        assertEquals("", run.stderr(), run::describe);
        Set<String> helpFlags = flags(run.stdout());
        for (String flag : List.of("--duration", "--quick", "--parked", "--parked-hold", "--soak", "--agent-args",
                "--proxy-set", "--java-opts", "--out", "--help")) {
            assertTrue(helpFlags.contains(flag), "--help does not document " + flag + ":\n" + run.stdout());
        }
        for (String file : List.of("results.csv", "results.json", "table.txt", "throughput.svg", "soak.csv")) {
            assertTrue(run.stdout().contains(file), "--help does not name " + file + ":\n" + run.stdout());
        }
        // Flags of the tools it runs are not its own.
        helpFlags.removeAll(Set.of("--set", "--help"));
        Set<String> readmeFlags = flags(benchmarkSection());
        readmeFlags.removeAll(Set.of("--set", "--help"));
        assertEquals(helpFlags, readmeFlags, "scripts/bench --help and README's Benchmark section name different flags");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--no-such-flag", "--duration=0", "--duration", "--parked=-1", "--soak=0",
            "--proxy-set=nonsense", "--parked-hold=x"})
    void aBadFlagIsOneLineAndExitStatus2(String flag) throws Exception {
        Scripts.Run run = bench(flag);

        assertEquals(2, run.exitCode(), run::describe);
        assertEquals("", run.stdout(), run::describe);
        assertTrue(run.stderr().startsWith("bench: ") && run.stderr().endsWith("\n")
                && run.stderr().indexOf('\n') == run.stderr().length() - 1, run::describe);
        assertTrue(run.survivors().isEmpty(), "left running: " + run.survivors());
    }

    private Scripts.Run bench(String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(BENCH.toString()));
        command.addAll(List.of(arguments));
        // --out under the test's directory: a flag that is not refused must not write into the repository.
        command.add("--out=" + tmp.resolve("out"));
        if (List.of(arguments).contains("--help")) {
            command.remove(command.size() - 1);
        }
        return Scripts.run(command, Scripts.cleanEnvironment(), tmp.resolve("work"), 20);
    }

    private static String benchmarkSection() throws Exception {
        String readme = Files.readString(Scripts.README);
        int start = readme.indexOf("\n## Benchmark\n");
        assertTrue(start >= 0, "README.md has no Benchmark section");
        int end = readme.indexOf("\n## ", start + 1);
        return end < 0 ? readme.substring(start) : readme.substring(start, end);
    }

    private static Set<String> flags(String text) {
        Set<String> flags = new TreeSet<>();
        Matcher matcher = FLAG.matcher(text);
        while (matcher.find()) {
            flags.add(matcher.group());
        }
        return flags;
    }
}
