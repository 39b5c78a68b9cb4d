package net.invertingproxy.proxy.access;

import java.lang.System.Logger.Level;
import java.net.URI;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The public keys AWS ALBs sign {@code x-amzn-oidc-data} with, fetched by region and key ID from a
 * URL template and kept in a bounded cache (a key ID names one key for good, so a key found is
 * kept until evicted). Concurrent requests for the same key share one download, and at most
 * {@value #MAX_DOWNLOADS} downloads run at once. A key that cannot be had is reported as absent,
 * never thrown, and is asked for again once {@link #RETRY_AFTER} has passed since the last try.
 */
public final class AlbPublicKeys {
    /** Where AWS publishes the keys in its commercial regions; {@code {region}} and {@code {kid}} are filled in. */
    public static final String AWS_URL_TEMPLATE = "https://public-keys.auth.elb.{region}.amazonaws.com/{kid}";
    /** Limit on connecting, and again on the answer, of one download. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** Pause before a key that could not be had is downloaded again. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(15);
    /** Keys kept, and failed or running downloads remembered, each. */
    public static final int MAX_CACHED = 100;
    /** Downloads running at once; beyond it a key not cached is absent, so made-up key IDs cannot tie up threads. */
    public static final int MAX_DOWNLOADS = 4;
    private static final System.Logger LOG = System.getLogger(AlbPublicKeys.class.getName());
    private static final Pattern KID = Pattern.compile("[A-Za-z0-9-]{1,128}");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,32}");

    private final String urlTemplate;
    private final Clock clock;
    private final PemKeyDownload download;
    private final Map<String, ECPublicKey> keys = lru();
    private final Map<String, Attempt> attempts = lru();

    /** Keys from {@code urlTemplate} (see {@link #AWS_URL_TEMPLATE}); {@code clock} times the retry pause. */
    public AlbPublicKeys(String urlTemplate, Clock clock) {
        this(urlTemplate, clock, TIMEOUT);
    }

    // Tests shorten the timeout so a stalling key endpoint costs them milliseconds.
    AlbPublicKeys(String urlTemplate, Clock clock, Duration timeout) {
        this.urlTemplate = urlTemplate;
        this.clock = clock;
        this.download = new PemKeyDownload(timeout);
    }

    /** Keys from AWS's commercial regions. */
    public AlbPublicKeys() {
        this(AWS_URL_TEMPLATE, Clock.systemUTC());
    }

    /** The key {@code kid} of {@code region}, or empty if the names are malformed or the key cannot be had now. */
    public Optional<ECPublicKey> find(String region, String kid) {
        if (region == null || kid == null || !REGION.matcher(region).matches() || !KID.matcher(kid).matches()) {
            return Optional.empty();
        }
        String name = region + "/" + kid;
        Attempt mine = new Attempt(new CompletableFuture<>(), clock.instant());
        Attempt shared = claim(name, mine);
        if (shared == mine) {
            downloadInto(name, urlTemplate.replace("{region}", region).replace("{kid}", kid), mine);
        }
        // Joining cannot hang: the thread that claimed the attempt always completes it.
        return shared == null ? Optional.empty() : shared.key().join();
    }

    // The cached key as a finished attempt, an attempt to share, mine to run, or null when too many run.
    private synchronized Attempt claim(String name, Attempt mine) {
        ECPublicKey key = keys.get(name);
        if (key != null) {
            return new Attempt(CompletableFuture.completedFuture(Optional.of(key)), mine.started());
        }
        Attempt earlier = attempts.get(name);
        if (earlier != null && (!earlier.key().isDone() || mine.started().isBefore(earlier.retryAt()))) {
            return earlier;
        }
        if (attempts.values().stream().filter(attempt -> !attempt.key().isDone()).count() >= MAX_DOWNLOADS) {
            return null;
        }
        attempts.put(name, mine);
        return mine;
    }

    private void downloadInto(String name, String url, Attempt attempt) {
        Optional<ECPublicKey> key = Optional.empty();
        try {
            key = Optional.of(download.download(URI.create(url)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "ALB public key {0} unavailable from {1}: {2}", name, url, e.toString());
        } finally {
            synchronized (this) {
                key.ifPresent(found -> {
                    keys.put(name, found);
                    attempts.remove(name);
                });
            }
            attempt.key().complete(key);
        }
    }

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_CACHED;
            }
        };
    }

    private record Attempt(CompletableFuture<Optional<ECPublicKey>> key, Instant started) {
        Instant retryAt() {
            return started.plus(RETRY_AFTER);
        }
    }
}
