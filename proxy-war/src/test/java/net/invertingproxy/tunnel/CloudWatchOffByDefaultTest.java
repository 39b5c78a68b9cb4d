package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * With CloudWatch off (the default) neither the proxy nor the agent loads a class of the AWS SDK or
 * of Micrometer's CloudWatch registry, as the JVM's own class-loading log shows; with it on, the
 * same probe does load them, so the check can fail.
 */
class CloudWatchOffByDefaultTest {
    private static final List<String> AWS_PACKAGES = List.of("software.amazon.awssdk.", "io.micrometer.cloudwatch2.");

    @Test
    void theTunnelLoadsNoAwsClassWithCloudWatchOff() throws Exception {
        List<String> loaded = probe(List.of("--"));
        assertTrue(loaded.stream().anyMatch(line -> line.contains(" net.invertingproxy.proxy.metrics.ProxyMeters ")),
                "the probe did not run the proxy's meters");
        assertTrue(loaded.stream().anyMatch(line -> line.contains(" net.invertingproxy.agent.metrics.AgentMeters ")
                || line.contains(" net.invertingproxy.agent.Agent ")), "the probe did not run the agent");
        List<String> aws = awsClasses(loaded);
        assertTrue(aws.isEmpty(), "loaded with CloudWatch off: " + aws.subList(0, Math.min(5, aws.size())));
    }

    @Test
    void theSameProbeLoadsTheSdkWithCloudWatchOn() throws Exception {
        try (FakeCloudWatch cloudWatch = new FakeCloudWatch()) {
            String endpoint = cloudWatch.endpoint().toString();
            List<String> loaded = probe(List.of("cloudwatch-namespace", "Probe", "cloudwatch-region", "us-east-1",
                    "cloudwatch-endpoint", endpoint, "--", "-cloudwatch-namespace", "Probe", "-cloudwatch-region",
                    "us-east-1", "-cloudwatch-endpoint", endpoint));
            assertTrue(loaded.stream().anyMatch(line -> line.contains(" io.micrometer.cloudwatch2.CloudWatchMeterRegistry ")),
                    "no CloudWatch registry loaded with CloudWatch on");
            assertFalse(awsClasses(loaded).isEmpty());
        }
    }

    private static List<String> awsClasses(List<String> loaded) {
        return loaded.stream().filter(line -> AWS_PACKAGES.stream().anyMatch(p -> line.contains(" " + p))).toList();
    }

    // The class-loading log of a JVM running the probe; it must answer the probe's request.
    private static List<String> probe(List<String> args) throws IOException, InterruptedException {
        Path log = Files.createTempFile("class-loading", ".log");
        try {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-verbose:class", "-Daws.accessKeyId=AKIDEXAMPLE", "-Daws.secretAccessKey=example",
                    "-Djava.util.logging.config.file=" + System.getProperty("java.util.logging.config.file", ""),
                    "-cp", System.getProperty("java.class.path"), ClassLoadingProbe.class.getName()));
            command.addAll(args);
            Process process = new ProcessBuilder(command).directory(Path.of("").toAbsolutePath().toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("the probe did not end within 60 s; see " + log);
            }
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            assertEquals(0, process.exitValue(), "the probe failed: " + tail(lines));
            assertTrue(lines.contains("probe answered 204"), "the probe's request failed: " + tail(lines));
            return lines;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static List<String> tail(List<String> lines) {
        return lines.subList(Math.max(0, lines.size() - 20), lines.size());
    }
}
