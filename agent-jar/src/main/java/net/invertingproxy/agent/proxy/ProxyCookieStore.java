package net.invertingproxy.agent.proxy;

import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;

import org.apache.hc.client5.http.cookie.BasicCookieStore;
import org.apache.hc.client5.http.cookie.Cookie;
import org.apache.hc.client5.http.cookie.CookieIdentityComparator;
import org.apache.hc.client5.http.cookie.CookieStore;

/**
 * The cookies the proxy's side sets on the agent's calls, above all a load balancer's stickiness
 * cookie (an ALB's {@code AWSALB}), sent back on the agent's later calls to the proxy so that they
 * all reach one proxy instance. One store is shared by both clients of {@link ProxyClient} (polls,
 * reads, logins and posts); the backend's client never sees it.
 *
 * <p>Why a wrapper: a {@link BasicCookieStore} keeps every cookie it is given until it expires, so
 * a proxy side setting a new cookie on every answer would grow it without bound, and every call
 * would carry them all. This one keeps at most {@link #limit()}: beyond it expired cookies go
 * first, then those set longest ago (a cookie set again, as an ALB renews {@code AWSALB} on each
 * answer, counts as just set), with a one-time warning. Cookies are credentials to some load
 * balancers: nothing here logs a name or value, and {@link #toString()} shows none (unlike
 * BasicCookieStore's).
 */
final class ProxyCookieStore implements CookieStore {
    /** How many cookies the agent keeps for its calls to the proxy. */
    static final int DEFAULT_LIMIT = 50;
    private static final Logger LOG = Logger.getLogger(ProxyCookieStore.class.getName());

    private final int limit;
    private final BasicCookieStore cookies = new BasicCookieStore();
    // When each kept cookie was last set, as a running count, by its identity (name, domain, path).
    private final Map<Cookie, Long> setAt = new TreeMap<>(CookieIdentityComparator.INSTANCE);
    private long sets;
    private boolean warned;

    ProxyCookieStore() {
        this(DEFAULT_LIMIT);
    }

    ProxyCookieStore(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        this.limit = limit;
    }

    /** The most cookies kept at once. */
    int limit() {
        return limit;
    }

    @Override
    public synchronized void addCookie(Cookie cookie) {
        if (cookie == null) {
            return;
        }
        // Replaces a cookie of the same identity; an expired one (Max-Age=0) only removes it.
        cookies.addCookie(cookie);
        setAt.remove(cookie);
        if (!cookie.isExpired(Instant.now())) {
            setAt.put(cookie, ++sets);
        }
        if (setAt.size() > limit) {
            dropBeyondLimit();
        }
    }

    private void dropBeyondLimit() {
        Instant now = Instant.now();
        cookies.clearExpired(now);
        setAt.keySet().removeIf(cookie -> cookie.isExpired(now));
        if (setAt.size() <= limit) {
            return;
        }
        while (setAt.size() > limit) {
            Cookie oldest = null;
            long oldestSet = Long.MAX_VALUE;
            for (Map.Entry<Cookie, Long> entry : setAt.entrySet()) {
                if (entry.getValue() < oldestSet) {
                    oldest = entry.getKey();
                    oldestSet = entry.getValue();
                }
            }
            setAt.remove(oldest);
        }
        // BasicCookieStore cannot remove one cookie: it is filled again with those kept.
        cookies.clear();
        setAt.keySet().forEach(cookies::addCookie);
        if (!warned) {
            warned = true;
            LOG.warning(() -> "the proxy's side set more than " + limit
                    + " cookies; the agent keeps the newest " + limit + " for its calls to the proxy");
        }
    }

    @Override
    public synchronized List<Cookie> getCookies() {
        return cookies.getCookies();
    }

    @Override
    public synchronized boolean clearExpired(Date date) {
        setAt.keySet().removeIf(cookie -> cookie.isExpired(date));
        return cookies.clearExpired(date);
    }

    @Override
    public synchronized boolean clearExpired(Instant instant) {
        setAt.keySet().removeIf(cookie -> cookie.isExpired(instant));
        return cookies.clearExpired(instant);
    }

    @Override
    public synchronized void clear() {
        setAt.clear();
        cookies.clear();
    }

    @Override
    public synchronized String toString() {
        return "ProxyCookieStore[" + setAt.size() + " cookies, at most " + limit + "]";
    }
}
