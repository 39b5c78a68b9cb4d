package net.invertingproxy.proxy.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code scripts/soak}: a one-minute run with every kind of fault through the packaged proxy and agent must end with no
 * error outside the fault windows and no exchange left over; its help and README's "Soak" section name the same flags.
 */
class SoakScriptIT {
    private static final Path SOAK = Scripts.SCRIPTS.resolve("soak");
    private static final List<String> FAULTS = List.of("agent-kill", "backend-kill", "agent-stop", "slowloris",
            "client-abort");
    private static final List<String> KINDS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
            "SSE", "WS");

    @TempDir
    Path tmp;

    @BeforeAll
    static void prerequisites() {
        Scripts.requireCommands("bash", "python3", "curl");
    }

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void aMinuteWithEveryFaultHasNoErrorOutsideTheFaultsAndLeavesNoExchange() throws Exception {
        Scripts.requireArtifacts();
        Path out = tmp.resolve("out");
        // Five faults 9 s apart leave the last one 6 s of slack before no fault may start (load end - 9 s).
        Scripts.Run run = Scripts.run(List.of(SOAK.toString(), "--seconds", "60", "--fault-every", "9",
                "--fault-seconds", "4", "--out", out.toString()), Scripts.cleanEnvironment(), tmp.resolve("work"), 190);

        String report = Files.exists(out.resolve("report.md")) ? Files.readString(out.resolve("report.md")) : "none";
        assertEquals(0, run.exitCode(), () -> run.describe() + "\n--- report.md:\n" + report);
        Map<String, String> summary = summary(out.resolve("summary.tsv"));
        assertEquals("PASSED", summary.get("result"), report);
        assertEquals("0", summary.get("errors_outside_faults"), report);
        assertEquals("0", summary.get("leaked"), report);
        for (String fault : FAULTS) {
            assertTrue(Integer.parseInt(summary.getOrDefault("faults_" + fault, "0")) >= 1,
                    "fault " + fault + " was never injected:\n" + report);
        }
        for (String kind : KINDS) {
            assertTrue(Integer.parseInt(summary.getOrDefault("requests_" + kind, "0")) > 0,
                    "no " + kind + " request was made:\n" + report);
        }
        assertTrue(run.survivors().isEmpty(), "left running: " + run.survivors());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void helpDocumentsEveryFlagTheReadmeDocumentsAndTheOtherWayRound() throws Exception {
        Scripts.Run run = Scripts.run(List.of(SOAK.toString(), "--help"), Scripts.cleanEnvironment(),
                tmp.resolve("work"), 20);

        assertEquals(0, run.exitCode(), run::describe);
        assertTrue(run.stdout().startsWith("Usage: scripts/soak "), run::describe);
        Set<String> helpFlags = Scripts.longFlags(run.stdout());
        for (String flag : List.of("--minutes", "--seconds", "--fault-every", "--faults", "--fault-seconds", "--grace",
                "--settle", "--clients", "--streams", "--seed", "--java-opts", "--out")) {
            assertTrue(helpFlags.contains(flag), "--help does not document " + flag + ":\n" + run.stdout());
        }
        assertEquals(helpFlags, Scripts.longFlags(Scripts.readmeSection("## Soak with faults")), "scripts/soak --help and README's Soak section name different flags");
    }

    @ParameterizedTest
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    @ValueSource(strings = {"--no-such-flag", "--minutes=0", "--seconds=19", "--minutes", "--faults=agent-kill,nope",
            "--fault-every=x", "--clients=0"})
    void aBadFlagIsOneLineAndExitStatus2(String flag) throws Exception {
        Scripts.Run run = Scripts.run(List.of(SOAK.toString(), flag, "--out=" + tmp.resolve("out")),
                Scripts.cleanEnvironment(), tmp.resolve("work"), 20);

        assertEquals(2, run.exitCode(), run::describe);
        assertEquals("", run.stdout(), run::describe);
        assertTrue(run.stderr().startsWith("soak: ") && run.stderr().indexOf('\n') == run.stderr().length() - 1,
                run::describe);
    }

    private static Map<String, String> summary(Path file) throws Exception {
        Map<String, String> summary = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] fields = line.split("\t", 2);
            summary.put(fields[0], fields.length > 1 ? fields[1] : "");
        }
        return summary;
    }
}
