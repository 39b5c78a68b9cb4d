package net.invertingproxy.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import net.invertingproxy.agent.testing.TestCertificate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flags of the proxy's TLS checks: verified by default, a CA file read at start, skipping only when asked. */
class ProxyTlsTest {
    private static final String[] REQUIRED = {"-proxy", "https://proxy.example/", "-backend", "b"};

    @TempDir
    Path directory;

    @Test
    void certificatesAreCheckedByDefault() throws Exception {
        AgentConfig config = AgentConfig.parse(REQUIRED);

        assertFalse(config.proxyTls().skipVerify());
        assertEquals(null, config.proxyTls().caFile());
    }

    @Test
    void aCaFileIsReadWhenTheFlagsAreParsed() throws Exception {
        TestCertificate certificate = TestCertificate.create(directory, "dns:proxy.example");

        AgentConfig config = parse("-proxy-ca-file", certificate.pemFile().toString());

        assertEquals(certificate.pemFile(), config.proxyTls().caFile());
        assertEquals(1, config.proxyTls().extraAuthorities().size());
    }

    @Test
    void aMissingCaFileIsAUsageError() {
        UsageException e = assertThrows(UsageException.class,
                () -> parse("-proxy-ca-file", directory.resolve("absent.pem").toString()));

        assertTrue(e.getMessage().startsWith("-proxy-ca-file " + directory.resolve("absent.pem") + " cannot be read"),
                e.getMessage());
    }

    @Test
    void aCaFileWithoutCertificatesIsAUsageError() throws Exception {
        Path notPem = Files.writeString(directory.resolve("key.txt"), "not a certificate\n");

        UsageException e = assertThrows(UsageException.class, () -> parse("-proxy-ca-file", notPem.toString()));

        assertTrue(e.getMessage().contains("holds no"), e.getMessage());
    }

    @Test
    void skippingVerificationTogetherWithACaFileIsAUsageError() throws Exception {
        TestCertificate certificate = TestCertificate.create(directory, "dns:proxy.example");

        UsageException e = assertThrows(UsageException.class,
                () -> parse("-proxy-ca-file", certificate.pemFile().toString(), "-insecure-skip-tls-verify"));

        assertTrue(e.getMessage().contains("exclude each other"), e.getMessage());
    }

    private static AgentConfig parse(String... flags) throws UsageException {
        String[] args = new String[REQUIRED.length + flags.length];
        System.arraycopy(REQUIRED, 0, args, 0, REQUIRED.length);
        System.arraycopy(flags, 0, args, REQUIRED.length, flags.length);
        return AgentConfig.parse(args);
    }
}
