package net.invertingproxy.containers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The WAR run on its own on embedded Jetty: {@code java -jar inverting-proxy.war --port 0 --host
 * 127.0.0.1 --set NAME=VALUE...}, its port read from the start-up summary line.
 */
final class StandaloneWar implements ProxyUnderTest {
    private static final Pattern SUMMARY = Pattern.compile("inverting-proxy listening on http://127\\.0\\.0\\.1:(\\d+)/");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final int port;
    private final ContainerProcess process;

    private StandaloneWar(String name, int port, ContainerProcess process) {
        this.name = name;
        this.port = port;
        this.process = process;
    }

    static StandaloneWar start(Map<String, String> settings) throws Exception {
        String name = "standalone-jetty";
        Path war = Path.of(ContainerProcess.requiredProperty("proxy.war"));
        Path logs = ContainerProcess.freshDirectory(ContainerProcess.TARGET.resolve("containers-logs").resolve(name));
        // The launcher unpacks the WAR into its temporary directory; keep that under target/.
        Path tmp = ContainerProcess.freshDirectory(ContainerProcess.TARGET.resolve("containers-base").resolve(name).resolve("tmp"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms256m", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=" + tmp,
                "-jar", war.toString(), "--port", "0", "--host", "127.0.0.1"));
        settings.forEach((key, value) -> command.addAll(List.of("--set", key + "=" + value)));
        Map<String, String> environment = new HashMap<>();
        for (String inherited : System.getenv().keySet()) {
            if (inherited.startsWith("INVERTING_PROXY_")) {
                environment.put(inherited, null);
            }
        }
        ContainerProcess process = ContainerProcess.start(name, logs, command, environment, tmp);
        int port = Integer.parseInt(process.awaitConsoleLine(SUMMARY, START_TIMEOUT).group(1));
        process.awaitHealthy(port, START_TIMEOUT);
        return new StandaloneWar(name, port, process);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public Path logDirectory() {
        return process.logDirectory();
    }

    @Override
    public String logTail(int lines) {
        return process.logTail(lines);
    }

    @Override
    public void close() {
        process.stop();
    }
}
