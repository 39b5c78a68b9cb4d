package net.invertingproxy.agent.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.hc.client5.http.DnsResolver;
import org.junit.jupiter.api.Test;

class BackgroundRefreshingDnsResolverTest {
    private static final Duration FRESH = Duration.ofSeconds(30);

    private final AtomicLong now = new AtomicLong();
    private final Queue<Runnable> refreshes = new ArrayDeque<>();
    private final FakeDns dns = new FakeDns();
    private final BackgroundRefreshingDnsResolver resolver =
            new BackgroundRefreshingDnsResolver(dns, FRESH, refreshes::add, now::get);

    @Test
    void aHostIsLookedUpOnceWhileItsAddressesAreFresh() throws Exception {
        dns.answer("proxy.example", "10.0.0.1");

        assertArrayEquals(addresses("10.0.0.1"), resolver.resolve("proxy.example"));
        now.addAndGet(FRESH.toNanos());
        assertArrayEquals(addresses("10.0.0.1"), resolver.resolve("proxy.example"));

        assertEquals(1, dns.lookups("proxy.example"));
        assertEquals(0, refreshes.size());
    }

    @Test
    void staleAddressesAreAnsweredAtOnceWhileOneRefreshRunsInTheBackground() throws Exception {
        dns.answer("proxy.example", "10.0.0.1");
        resolver.resolve("proxy.example");
        dns.answer("proxy.example", "10.0.0.2");
        now.addAndGet(FRESH.toNanos() + 1);

        // Many connections at once: each gets the old addresses, and only one refresh is started.
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(addresses("10.0.0.1"), resolver.resolve("proxy.example"));
        }
        assertEquals(1, refreshes.size());
        assertEquals(1, dns.lookups("proxy.example"), "the lookup must not run on the caller's thread");

        refreshes.remove().run();
        assertArrayEquals(addresses("10.0.0.2"), resolver.resolve("proxy.example"));
        assertEquals(2, dns.lookups("proxy.example"));
        assertEquals(0, refreshes.size(), "fresh again: no further refresh");
    }

    @Test
    void aFailedRefreshKeepsTheOldAddressesAndIsTriedAgainLater() throws Exception {
        dns.answer("proxy.example", "10.0.0.1");
        resolver.resolve("proxy.example");
        dns.fail("proxy.example");
        now.addAndGet(FRESH.toNanos() + 1);

        resolver.resolve("proxy.example");
        refreshes.remove().run();

        assertArrayEquals(addresses("10.0.0.1"), resolver.resolve("proxy.example"));
        assertEquals(1, refreshes.size(), "the next use after a failed refresh tries again");
    }

    @Test
    void aFirstLookupThatFailsIsReportedAndNotRemembered() throws Exception {
        dns.fail("nowhere.example");
        assertThrows(UnknownHostException.class, () -> resolver.resolve("nowhere.example"));

        dns.answer("nowhere.example", "10.0.0.9");
        assertArrayEquals(addresses("10.0.0.9"), resolver.resolve("nowhere.example"));
        assertEquals(2, dns.lookups("nowhere.example"));
    }

    @Test
    void warmingUpLooksTheHostUpSoTheFirstConnectionDoesNotWait() throws Exception {
        dns.answer("backend.internal", "192.168.1.5");
        resolver.warmUp("backend.internal");
        resolver.warmUp("unknown.internal");

        assertEquals(1, dns.lookups("backend.internal"));
        assertArrayEquals(addresses("192.168.1.5"), resolver.resolve("backend.internal"));
        assertEquals(1, dns.lookups("backend.internal"));
    }

    @Test
    void callersCannotChangeTheCachedAddresses() throws Exception {
        dns.answer("proxy.example", "10.0.0.1");
        resolver.resolve("proxy.example")[0] = InetAddress.getByName("10.9.9.9");

        assertArrayEquals(addresses("10.0.0.1"), resolver.resolve("proxy.example"));
    }

    @Test
    void theCacheStaysBoundedWhateverHostsAreAskedFor() throws Exception {
        for (int i = 0; i < BackgroundRefreshingDnsResolver.MAX_HOSTS * 3; i++) {
            String host = "host" + i + ".example";
            dns.answer(host, "10.1." + (i / 250) + "." + (i % 250));
            resolver.resolve(host);
        }
        // A host asked for before the cache started over is looked up again.
        resolver.resolve("host0.example");
        assertEquals(2, dns.lookups("host0.example"));
    }

    private static InetAddress[] addresses(String... literals) throws UnknownHostException {
        InetAddress[] result = new InetAddress[literals.length];
        for (int i = 0; i < literals.length; i++) {
            result[i] = InetAddress.getByName(literals[i]);
        }
        return result;
    }

    /** Answers what the test set, counting lookups per host. */
    private static final class FakeDns implements DnsResolver {
        private final Map<String, String> answers = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();

        void answer(String host, String address) {
            answers.put(host, address);
        }

        void fail(String host) {
            answers.remove(host);
        }

        int lookups(String host) {
            AtomicInteger count = lookups.get(host);
            return count == null ? 0 : count.get();
        }

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            lookups.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
            String address = answers.get(host);
            if (address == null) {
                throw new UnknownHostException(host);
            }
            return addresses(address);
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }
}
