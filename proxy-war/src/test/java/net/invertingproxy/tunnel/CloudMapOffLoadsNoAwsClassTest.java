package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import net.invertingproxy.proxy.discovery.FakeCloudMap;

/**
 * With Cloud Map off, the proxy loads no AWS SDK class, even once an agent connects: checked with
 * {@code -verbose:class} in a JVM of its own, and, so that the check itself is proven able to
 * fail, the same run with Cloud Map on does load them.
 */
class CloudMapOffLoadsNoAwsClassTest {
    private static final Pattern LISTENING = Pattern.compile("listening on http://[^:]+:(\\d+)/");
    private static final String SDK_CLASS = "software.amazon.awssdk.";

    @Test
    void cloudMapOffLoadsNoSdkClass() throws Exception {
        List<String> classes = classesLoadedServingOneAgent(List.of());
        assertTrue(classes.stream().anyMatch(line -> line.contains("net.invertingproxy.proxy.broker.Broker ")),
                "the class log is read");
        assertEquals(List.of(), classes.stream().filter(line -> line.contains(SDK_CLASS)).toList());
    }

    @Test
    void cloudMapOnLoadsTheSdk() throws Exception {
        try (FakeCloudMap cloudMap = new FakeCloudMap()) {
            List<String> classes = classesLoadedServingOneAgent(List.of("--set", "cloudmap-service-id=srv-x",
                    "--set", "cloudmap-region=us-east-1", "--set", "cloudmap-endpoint=" + cloudMap.endpoint()));
            cloudMap.await("RegisterInstance", c -> true, Duration.ofSeconds(10));
            assertTrue(classes.stream().anyMatch(line -> line.contains(SDK_CLASS)), "SDK classes are seen when on");
        }
    }

    private static List<String> classesLoadedServingOneAgent(List<String> extraArgs) throws Exception {
        Path dataDir = Files.createTempDirectory("cloudmap-off");
        Path log = dataDir.resolve("proxy.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-verbose:class", "-Daws.accessKeyId=AKIDTEST", "-Daws.secretAccessKey=secret",
                "-cp", System.getProperty("java.class.path"), ProxyFromClasses.class.getName(),
                "--port", "0", "--host", "127.0.0.1", "--set", "data-dir=" + dataDir,
                "--set", "admin-token=" + Tunnel.ADMIN_TOKEN, "--set", "poll-hold-seconds=1"));
        command.addAll(extraArgs);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            int port = awaitPort(log, process);
            AdminClient admin = new AdminClient(java.net.URI.create("http://127.0.0.1:" + port + "/"), Tunnel.ADMIN_TOKEN);
            String credential = AdminClient.agentCredential(admin.create(Tunnel.DEFAULT_BACKEND));
            assertEquals(200, new RawAgent(port, "default", credential).poll().status());
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
            Tunnel.deleteRecursively(dataDir);
        }
    }

    private static int awaitPort(Path log, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && process.isAlive()) {
            Matcher matcher = LISTENING.matcher(Files.readString(log, StandardCharsets.ISO_8859_1));
            if (matcher.find()) {
                return Integer.parseInt(matcher.group(1));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the proxy did not start: " + Files.readString(log, StandardCharsets.ISO_8859_1)
                .lines().filter(line -> !line.startsWith("[")).toList());
    }
}
