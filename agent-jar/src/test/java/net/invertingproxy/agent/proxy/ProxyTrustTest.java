package net.invertingproxy.agent.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.config.ProxyTls;
import net.invertingproxy.agent.poll.PollLoop;
import net.invertingproxy.agent.testing.FakeProxy;
import net.invertingproxy.agent.testing.LogCapture;
import net.invertingproxy.agent.testing.Messages;
import net.invertingproxy.agent.testing.RawBackend;
import net.invertingproxy.agent.testing.TestCertificate;
import net.invertingproxy.agent.testing.Wait;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent polling an https proxy checks its certificate and host name unless told, loudly, not to. */
class ProxyTrustTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    // Long enough for several polls with the agent's backoff (100 ms doubling).
    private static final Duration REFUSALS = Duration.ofMillis(1500);
    private final List<AutoCloseable> resources = new ArrayList<>();

    @TempDir
    Path directory;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    @Test
    void aProxyWhoseCertificateNoAuthoritySignedIsNotPolled() throws Exception {
        FakeProxy proxy = httpsProxy("ip:127.0.0.1");
        try (LogCapture log = new LogCapture(PollLoop.class)) {
            start(proxy);
            Thread.sleep(REFUSALS.toMillis());

            assertEquals(0, proxy.polls(), "a poll reached a proxy with an untrusted certificate");
            assertTrue(log.messages(Level.WARNING).stream().anyMatch(m -> m.contains("certification path")),
                    "no warning names the failed certificate check: " + log.messages(Level.WARNING));
        }
    }

    @Test
    void aCaFileMakesTheProxyTrustedForPollsReadsAndPosts() throws Exception {
        TestCertificate certificate = TestCertificate.create(directory, "ip:127.0.0.1");
        FakeProxy proxy = closeLater(new FakeProxy(certificate.serverContext()));
        RawBackend backend = closeLater(new RawBackend(
                RawBackend.answering("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nthrough")));
        start(proxy, "-host", backend.hostAndPort(), "-proxy-ca-file", certificate.pemFile().toString());

        proxy.offer("r1", "GET / HTTP/1.1\r\nHost: h\r\n\r\n");

        assertEquals("through", Messages.readResponse(proxy.awaitPosted("r1", WAIT).body(), "GET").bodyText());
    }

    @Test
    void aTrustedCertificateForAnotherHostIsRefused() throws Exception {
        TestCertificate certificate = TestCertificate.create(directory, "dns:other.example");
        FakeProxy proxy = closeLater(new FakeProxy(certificate.serverContext()));
        start(proxy, "-proxy-ca-file", certificate.pemFile().toString());
        Thread.sleep(REFUSALS.toMillis());

        assertEquals(0, proxy.polls(), "a poll reached a proxy whose certificate names another host");
    }

    @Test
    void skippingVerificationAcceptsAnyCertificateAndWarnsAtStart() throws Exception {
        FakeProxy proxy = httpsProxy("dns:other.example");
        try (LogCapture log = new LogCapture(ProxyTrust.class)) {
            start(proxy, "-insecure-skip-tls-verify");

            Wait.until(() -> proxy.polls() > 0, WAIT, "the agent never polled with verification off");
            List<String> warnings = log.messages(Level.WARNING);
            assertEquals(1, warnings.size(), "expected one warning: " + warnings);
            assertTrue(warnings.get(0).contains("NOT checked"), warnings.get(0));
        }
    }

    @Test
    void aCredentialSentInClearToAnotherMachineIsWarnedOf() throws Exception {
        try (LogCapture log = new LogCapture(ProxyTrust.class)) {
            ProxyTrust.warnIfUnsafe(URI.create("http://192.0.2.1/"),
                    ProxyTls.VERIFIED, true);
            ProxyTrust.warnIfUnsafe(URI.create("http://127.0.0.1/"),
                    ProxyTls.VERIFIED, true);
            ProxyTrust.warnIfUnsafe(URI.create("https://192.0.2.1/"),
                    ProxyTls.VERIFIED, true);

            List<String> warnings = log.messages(Level.WARNING);
            assertEquals(1, warnings.size(), "only the plain-http proxy elsewhere deserves a warning: " + warnings);
            assertTrue(warnings.get(0).contains("plain http"), warnings.get(0));
        }
    }

    private FakeProxy httpsProxy(String subjectAltNames) throws Exception {
        return closeLater(new FakeProxy(TestCertificate.create(directory, subjectAltNames).serverContext()));
    }

    private void start(FakeProxy proxy, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("-proxy", proxy.url(), "-backend", "b", "-host", "127.0.0.1:9"));
        args.addAll(Arrays.asList(flags));
        Agent agent = Agent.start(AgentConfig.parse(args.toArray(new String[0])));
        resources.add(() -> agent.stop(Duration.ZERO));
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(resource);
        return resource;
    }
}
