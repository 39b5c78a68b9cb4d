package net.invertingproxy.proxy.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code scripts/bench-cluster} without running a benchmark: its help, which README's "Cluster benchmark" section
 * must agree with, the one-line refusal of a bad flag, and the report it writes from made-up {@code wrk} outputs.
 * None starts a server nor needs wrk, nginx or Redis.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BenchClusterScriptIT {
    private static final Path BENCH_CLUSTER = Scripts.SCRIPTS.resolve("bench-cluster");

    /**
     * Sources scripts/bench-cluster ($1) without running it and reports into $2 from made-up wrk outputs: 40,000
     * req/s direct, 8,000 through one instance, 4,000 through the cluster; sequential p50 of 0.5 ms to instance 0
     * and 0.8 ms to instance 1; one socket error in the cluster run when $3 is 1.
     */
    private static final String REPORT = """
            set -euo pipefail
            source "$1"
            OUT_DIR=$2
            COMMAND_LINE="scripts/bench-cluster (BenchClusterScriptIT)"
            mkdir -p "$OUT_DIR"
            prepare_out_dir
            fake() { # NAME RPS P50 P90 P99 [SOCKET_ERRORS]
              {
                echo "Running 10s test @ http://127.0.0.1:1/"
                echo "  Latency Distribution"
                echo "     50%   $3"
                echo "     75%   $3"
                echo "     90%   $4"
                echo "     99%   $5"
                echo "  $(($2 * 10)) requests in 10.00s, 1.00MB read"
                [[ -z ${6:-} ]] || echo "  Socket errors: connect 0, read $6, write 0, timeout 0"
                echo "Requests/sec:  $2.00"
              } >"$OUT_DIR/raw/$1.txt"
              echo "run=$1 wrk=raw/$1.txt connections=64 cpu=instance0:100,agent:50 clk_tck=100" >>"$ROWS_FILE"
            }
            fake direct 40000 100.00us 200.00us 1.00ms
            fake single 8000 5.00ms 9.00ms 20.00ms
            fake cluster 4000 10.00ms 20.00ms 40.00ms $([[ $3 == 1 ]] && echo 1)
            fake hop-local 2000 500.00us 700.00us 1.00ms
            fake hop-cross 1200 800.00us 1.20ms 2.50ms
            LOADAVG="0.00 0.00 0.00"
            report || die "FAILED: see the FAILED lines above"
            """;

    @TempDir
    Path tmp;

    @BeforeAll
    static void prerequisites() {
        Scripts.requireCommands("bash");
    }

    @Test
    void helpDocumentsEveryFlagTheReadmeDocumentsAndTheOtherWayRound() throws Exception {
        Scripts.Run run = benchCluster("--help");

        assertEquals(0, run.exitCode(), run::describe);
        assertTrue(run.stdout().startsWith("Usage: scripts/bench-cluster "), run::describe);
        assertEquals("", run.stderr(), run::describe);
        Set<String> helpFlags = Scripts.longFlags(run.stdout());
        for (String flag : List.of("--duration", "--warmup", "--quick", "--clients", "--instances",
                "--no-nginx-single", "--java-opts", "--out", "--help")) {
            assertTrue(helpFlags.contains(flag), "--help does not document " + flag + ":\n" + run.stdout());
        }
        helpFlags.remove("--help");
        Set<String> readmeFlags = Scripts.longFlags(Scripts.readmeSection("## Cluster benchmark"));
        readmeFlags.remove("--help");
        assertEquals(helpFlags, readmeFlags,
                "scripts/bench-cluster --help and README's Cluster benchmark section name different flags");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--no-such-flag", "--duration=0", "--duration", "--instances=1", "--clients=x",
            "--warmup=-1"})
    void aBadFlagIsOneLineAndExitStatus2(String flag) throws Exception {
        Scripts.Run run = benchCluster(flag);

        assertEquals(2, run.exitCode(), run::describe);
        assertEquals("", run.stdout(), run::describe);
        assertTrue(run.stderr().startsWith("bench-cluster: ") && run.stderr().endsWith("\n")
                && run.stderr().indexOf('\n') == run.stderr().length() - 1, run::describe);
        assertTrue(run.survivors().isEmpty(), "left running: " + run.survivors());
    }

    @Test
    void theReportHasTheRatiosAndTheAddedLatencyOfAHop() throws Exception {
        Scripts.requireCommands("python3");
        Path out = tmp.resolve("out");

        Scripts.Run run = report(out, false);

        assertEquals(0, run.exitCode(), run::describe);
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        JsonObject ratios = json.getAsJsonObject("ratios");
        assertEquals(50.0, ratios.get("c_over_b_pct").getAsDouble(), 1e-9, json.toString());
        assertEquals(20.0, ratios.get("b_over_a_pct").getAsDouble(), 1e-9, json.toString());
        assertEquals(10.0, ratios.get("c_over_a_pct").getAsDouble(), 1e-9, json.toString());
        JsonObject hop = json.getAsJsonObject("cross_instance_hop");
        assertEquals(0.3, hop.get("added_p50_ms").getAsDouble(), 1e-9, json.toString());
        assertEquals(0.5, hop.get("added_p90_ms").getAsDouble(), 1e-9, json.toString());
        assertEquals(1.5, hop.get("added_p99_ms").getAsDouble(), 1e-9, json.toString());
        assertEquals(0, json.getAsJsonArray("failures").size(), json.toString());
        String table = Files.readString(out.resolve("table.txt"));
        for (String text : List.of("(c)/(b)", "(b)/(a)", "(c)/(a)", "added latency of a cross-instance hop",
                "+0.300 ms", "cannot be faster than one")) {
            assertTrue(table.contains(text), "table.txt has no '" + text + "':\n" + table);
        }
        assertEquals(6, Files.readAllLines(out.resolve("results.csv")).size(), "a header and five runs");
    }

    @Test
    void aSocketErrorInAProxiedRunFailsTheReport() throws Exception {
        Scripts.requireCommands("python3");
        Path out = tmp.resolve("out");

        Scripts.Run run = report(out, true);

        assertEquals(1, run.exitCode(), run::describe);
        String table = Files.readString(out.resolve("table.txt"));
        assertTrue(table.contains("FAILED: cluster: 0 non-2xx answers and 1 socket errors"), table);
    }

    private Scripts.Run report(Path out, boolean socketError) throws Exception {
        return Scripts.run(List.of("bash", "-c", REPORT, "bench-cluster-report", BENCH_CLUSTER.toString(),
                out.toString(), socketError ? "1" : "0"), Scripts.cleanEnvironment(), tmp.resolve("work"), 25);
    }

    private Scripts.Run benchCluster(String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(BENCH_CLUSTER.toString()));
        command.addAll(List.of(arguments));
        // --out under the test's directory: a flag that is not refused must not write into the repository.
        command.add("--out=" + tmp.resolve("out"));
        if (List.of(arguments).contains("--help")) {
            command.remove(command.size() - 1);
        }
        return Scripts.run(command, Scripts.cleanEnvironment(), tmp.resolve("work"), 20);
    }
}
