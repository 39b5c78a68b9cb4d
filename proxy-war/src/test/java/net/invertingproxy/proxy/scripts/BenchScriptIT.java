package net.invertingproxy.proxy.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code scripts/bench} without running a benchmark: its help, which README's "Benchmark" section must agree with,
 * the one-line refusal of a bad flag, and the results its measuring and reporting functions write from made-up
 * {@code wrk} and {@code curl} runs. None starts a server nor needs wrk or nginx.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BenchScriptIT {
    private static final Path BENCH = Scripts.SCRIPTS.resolve("bench");

    /** The columns of results.csv before the relay chain came: their names and order stay as they are. */
    private static final List<String> FIRST_COLUMNS = List.of("workload", "clients", "direct_rps", "tunnel_rps",
            "rps_ratio_pct", "direct_mb_s", "tunnel_mb_s", "direct_p50_ms", "tunnel_p50_ms", "added_p50_ms",
            "direct_p99_ms", "tunnel_p99_ms", "direct_s", "tunnel_s", "time_ratio", "errors", "direct_errors",
            "direct_requests", "tunnel_requests", "proxy_cpu_us_per_req", "agent_cpu_us_per_req", "held_at_once",
            "proxy_peak_rss_mb", "agent_peak_rss_mb");
    /** The relay chain's (nginx x2) columns of a wrk workload, each a positive number. */
    private static final List<String> RELAY_WRK_COLUMNS = List.of("relay_rps", "tunnel_vs_relay_pct",
            "relay_p50_ms", "relay_p99_ms", "relay_requests", "relay_cpu_us_per_req");
    /** Those of the download, each a positive number. */
    private static final List<String> RELAY_DOWNLOAD_COLUMNS = List.of("relay_s", "relay_mb_s",
            "tunnel_vs_relay_time_ratio");

    /**
     * Stands in for wrk: the output of a 3 s run at the URL (its last argument), 30,000 req/s on the direct port
     * (1001), 10,000 on the relay's (1002) and 5,000 on the tunnel's (1003).
     */
    private static final String FAKE_WRK = """
            #!/usr/bin/env bash
            url=${!#}
            case $url in
              *:1001/*) rps=30000 p50=70.00us ;;
              *:1002/*) rps=10000 p50=130.00us ;;
              *) rps=5000 p50=250.00us ;;
            esac
            cat <<EOF
            Running 3s test @ $url
              2 threads and 16 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency   300.00us  100.00us   5.00ms   90.00%
                Req/Sec     5.00k     1.00k    6.00k    70.00%
              Latency Distribution
                 50%   $p50
                 75%  400.00us
                 90%  600.00us
                 99%    1.50ms
              $((rps * 3)) requests in 3.00s, 30.00MB read
            Requests/sec:  $rps.00
            Transfer/sec:     10.00MB
            EOF
            """;
    /** Stands in for curl -w '%{http_code} %{size_download} %{time_total}': 100 MiB in 0.05, 0.17 or 0.3 s. */
    private static final String FAKE_CURL = """
            #!/usr/bin/env bash
            case ${!#} in
              *:1001/*) echo "200 104857600 0.05" ;;
              *:1002/*) echo "200 104857600 0.17" ;;
              *) echo "200 104857600 0.3" ;;
            esac
            """;
    /**
     * Sources scripts/bench ($1) without running it, and measures every workload but the parked one into $2: wrk
     * and curl are the fakes above, and each read of a process's CPU time finds 5 ticks more than the last.
     */
    private static final String MEASURE_AND_REPORT = """
            set -euo pipefail
            source "$1"
            OUT_DIR=$2
            COMMAND_LINE="scripts/bench (BenchScriptIT)"
            mkdir -p "$OUT_DIR"
            prepare_out_dir
            write_tools
            NGINX_PORT=1001 RELAY_PORT=1002 PROXY_PORT=1003 DURATION=3
            PROXY_PID=proxy AGENT_PID=agent RELAY_WORKER_PIDS=(relay-a relay-b)
            cpu_ticks() {
              local file="$OUT_DIR/ticks-$1" n=0
              [[ ! -f $file ]] || n=$(<"$file")
              echo $((n + 5)) >"$file"
              echo $((n + 5))
            }
            measure_wrk tiny 1 /
            measure_wrk tiny 64 /
            measure_wrk 1mib 16 /files/1mib.bin
            measure_download
            report
            """;

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
        Set<String> helpFlags = Scripts.longFlags(run.stdout());
        for (String flag : List.of("--duration", "--quick", "--parked", "--parked-hold", "--soak", "--streams",
                "--agent-args", "--proxy-set", "--java-opts", "--out", "--help")) {
            assertTrue(helpFlags.contains(flag), "--help does not document " + flag + ":\n" + run.stdout());
        }
        for (String file : List.of("results.csv", "results.json", "table.txt", "throughput.svg", "soak.csv")) {
            assertTrue(run.stdout().contains(file), "--help does not name " + file + ":\n" + run.stdout());
        }
        // Flags of the tools it runs are not its own.
        helpFlags.removeAll(Set.of("--set", "--help"));
        Set<String> readmeFlags = Scripts.longFlags(Scripts.readmeSection("## Benchmark"));
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

    @Test
    void theResultsHaveTheRelayChainBesideDirectAndTunnel() throws Exception {
        Scripts.requireCommands("python3");
        Path bin = tmp.resolve("bin");
        Files.createDirectories(bin);
        for (Map.Entry<String, String> fake : Map.of("wrk", FAKE_WRK, "curl", FAKE_CURL).entrySet()) {
            Path file = bin.resolve(fake.getKey());
            Files.writeString(file, fake.getValue());
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Map<String, String> environment = Scripts.cleanEnvironment();
        environment.put("PATH", bin + File.pathSeparator + environment.get("PATH"));
        Path out = tmp.resolve("out");

        Scripts.Run run = Scripts.run(List.of("bash", "-c", MEASURE_AND_REPORT, "bench-report", BENCH.toString(),
                out.toString()), environment, tmp.resolve("work"), 25);

        assertEquals(0, run.exitCode(), run::describe);
        List<String> lines = Files.readAllLines(out.resolve("results.csv"));
        List<String> header = Arrays.asList(lines.get(0).split(",", -1));
        assertEquals(FIRST_COLUMNS, header.subList(0, FIRST_COLUMNS.size()), "results.csv: " + header);
        Map<String, Map<String, String>> csv = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> values = Arrays.asList(line.split(",", -1));
            assertEquals(header.size(), values.size(), line);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.size(); i++) {
                row.put(header.get(i), values.get(i));
            }
            csv.put(row.get("workload") + "@" + row.get("clients"), row);
        }
        assertEquals(Set.of("tiny@1", "tiny@64", "1mib@16", "download-100mib@1"), csv.keySet(), "results.csv");

        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        List<String> jsonColumns = new ArrayList<>();
        json.getAsJsonArray("columns").forEach(column -> jsonColumns.add(column.getAsString()));
        assertEquals(header, jsonColumns, "results.json's columns");
        assertEquals(0, json.getAsJsonArray("failures").size(), json.toString());
        assertEquals(0, json.getAsJsonArray("warnings").size(), json.toString());
        JsonArray jsonRows = json.getAsJsonArray("rows");
        assertEquals(csv.size(), jsonRows.size(), json.toString());

        for (JsonElement element : jsonRows) {
            JsonObject row = element.getAsJsonObject();
            String key = row.get("workload").getAsString() + "@" + row.get("clients").getAsInt();
            boolean download = key.startsWith("download");
            for (String column : download ? RELAY_DOWNLOAD_COLUMNS : RELAY_WRK_COLUMNS) {
                double fromCsv = positive(csv.get(key).get(column), key + " " + column + " in results.csv");
                assertFalse(row.get(column).isJsonNull(), key + " " + column + " in results.json is null");
                assertEquals(fromCsv, row.get(column).getAsDouble(), 1e-9, key + " " + column + " in results.json");
            }
            assertEquals("0", csv.get(key).get("relay_errors"), key);
            if (key.equals("1mib@16")) {
                positive(csv.get(key).get("relay_mb_s"), key + " relay_mb_s");
            }
        }
        // Tunnel as a share of the relay, not the other way round.
        assertEquals("50.0", csv.get("tiny@1").get("tunnel_vs_relay_pct"));
        assertEquals("0.12", csv.get("tiny@1").get("added_p50_vs_relay_ms"));
        assertEquals("1.76", csv.get("download-100mib@1").get("tunnel_vs_relay_time_ratio"));
        // What was there before is still there.
        assertEquals("16.7", csv.get("tiny@1").get("rps_ratio_pct"));
        assertEquals("6.0", csv.get("download-100mib@1").get("time_ratio"));

        String table = Files.readString(out.resolve("table.txt"));
        for (String heading : List.of("relay req/s", "tunnel/relay %", "relay p50 ms", "relay s", "tunnel/relay")) {
            assertTrue(table.contains(heading), "table.txt has no '" + heading + "':\n" + table);
        }
        String svg = Files.readString(out.resolve("throughput.svg"));
        assertTrue(svg.contains("relay (nginx x2)"), svg);
    }

    private static double positive(String value, String what) {
        assertNotNull(value, what + " is missing");
        double number;
        try {
            number = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new AssertionError(what + " is not a number: " + value, e);
        }
        assertTrue(number > 0, what + " is not positive: " + value);
        return number;
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
}
