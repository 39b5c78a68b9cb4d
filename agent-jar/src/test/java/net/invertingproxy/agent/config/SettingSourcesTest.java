package net.invertingproxy.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings come from a config file, the environment and flags, the last one winning. */
class SettingSourcesTest {
    @TempDir
    Path dir;

    @Test
    void flagsBeatTheEnvironmentWhichBeatsTheFile() throws Exception {
        Path file = dir.resolve("agent.properties");
        Files.writeString(file, "proxy=http://file.example/\nbackend=from-file\nhost=file:1\nbackend-timeout=3s\n");
        Map<String, String> environment = Map.of(
                "INVERTING_PROXY_AGENT_HOST", "env:2",
                "INVERTING_PROXY_AGENT_BACKEND_TIMEOUT", "4s",
                "INVERTING_PROXY_AGENT_CONFIG", file.toString());

        AgentConfig config = AgentConfig.resolve(environment, "-backend-timeout", "5s");

        assertEquals("http://file.example/", config.proxy().toString());
        assertEquals("from-file", config.backendId());
        assertEquals("env:2", config.host());
        assertEquals(Duration.ofSeconds(5), config.backendTimeout());
    }

    @Test
    void requiredFlagsMayComeFromTheEnvironment() throws Exception {
        AgentConfig config = AgentConfig.resolve(Map.of("INVERTING_PROXY_AGENT_PROXY", "http://127.0.0.1:9/",
                "INVERTING_PROXY_AGENT_BACKEND", "default"), "-debug");

        assertEquals("default", config.backendId());
    }

    @Test
    void unknownNameInTheFileIsAnError() throws Exception {
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "proxy=http://x/\nbackend=b\nbackend-timout=3s\n");

        UsageException e = assertThrows(UsageException.class, () -> AgentConfig.resolve(Map.of(), "-config", file.toString()));

        assertTrue(e.getMessage().contains("unknown flag \"backend-timout\""), e.getMessage());
    }

    @Test
    void missingConfigFileIsAnError() {
        UsageException e = assertThrows(UsageException.class,
                () -> AgentConfig.resolve(Map.of(), "-config=" + dir.resolve("missing.properties")));

        assertTrue(e.getMessage().startsWith("cannot read config file"), e.getMessage());
    }
}
