package net.invertingproxy.agent.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

/**
 * Resolves host names from a cache that is refreshed in the background, so that a connection
 * opened on an I/O thread or on the poll thread waits for DNS only the first time a host is
 * looked up. HttpClient resolves on the thread that opens the connection; a lookup that took a
 * slow DNS server's time there would stall every stream of that I/O thread, or all polling.
 *
 * <p>An entry older than {@value #FRESH_SECONDS} s (the JVM's own positive cache time) is still
 * answered, and one refresh is started; a refresh that fails keeps the old addresses, which
 * suits load balancers whose addresses change slowly and stay valid for a while after.
 */
public final class BackgroundRefreshingDnsResolver implements DnsResolver {
    /** The resolver the agent's clients share. */
    public static final BackgroundRefreshingDnsResolver SHARED = new BackgroundRefreshingDnsResolver(
            SystemDefaultDnsResolver.INSTANCE, Duration.ofSeconds(BackgroundRefreshingDnsResolver.FRESH_SECONDS),
            Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, "agent-dns-refresh");
                thread.setDaemon(true);
                return thread;
            }), System::nanoTime);

    static final int FRESH_SECONDS = 30;
    // The agent talks to a handful of hosts; a cache beyond this is a sign of misuse and starts over.
    static final int MAX_HOSTS = 64;
    private static final Logger LOG = Logger.getLogger(BackgroundRefreshingDnsResolver.class.getName());

    private final DnsResolver lookup;
    private final long freshNanos;
    private final Executor refresher;
    private final LongSupplier nanoTime;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    /** What {@code lookup} answered for a host, and when. */
    private record Entry(InetAddress[] addresses, long fetchedAt, AtomicBoolean refreshing) {
    }

    /** A resolver asking {@code lookup}, refreshing entries older than {@code fresh} on {@code refresher}. */
    BackgroundRefreshingDnsResolver(DnsResolver lookup, Duration fresh, Executor refresher, LongSupplier nanoTime) {
        this.lookup = lookup;
        this.freshNanos = fresh.toNanos();
        this.refresher = refresher;
        this.nanoTime = nanoTime;
    }

    /** Looks {@code host} up now unless it is cached: done at start-up, so later connections never wait. */
    public void warmUp(String host) {
        try {
            resolve(host);
        } catch (UnknownHostException | RuntimeException e) {
            // The connection that needs it reports the failure.
        }
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        Entry entry = cache.get(host);
        if (entry == null) {
            return store(host, lookup.resolve(host)).addresses().clone();
        }
        if (nanoTime.getAsLong() - entry.fetchedAt() > freshNanos && entry.refreshing().compareAndSet(false, true)) {
            refresher.execute(() -> refresh(host, entry));
        }
        return entry.addresses().clone();
    }

    private void refresh(String host, Entry stale) {
        try {
            store(host, lookup.resolve(host));
        } catch (UnknownHostException | RuntimeException e) {
            LOG.fine(() -> "refreshing the addresses of " + host + " failed (" + e + "); the old ones stay in use");
            stale.refreshing().set(false);
        }
    }

    private Entry store(String host, InetAddress[] addresses) throws UnknownHostException {
        if (addresses == null || addresses.length == 0) {
            throw new UnknownHostException(host);
        }
        if (cache.size() >= MAX_HOSTS && !cache.containsKey(host)) {
            cache.clear();
        }
        Entry entry = new Entry(addresses.clone(), nanoTime.getAsLong(), new AtomicBoolean());
        cache.put(host, entry);
        return entry;
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return lookup.resolveCanonicalHostname(host);
    }
}
