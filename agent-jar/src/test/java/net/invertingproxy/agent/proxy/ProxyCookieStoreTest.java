package net.invertingproxy.agent.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Instant;
import java.util.List;

import org.apache.hc.client5.http.cookie.Cookie;
import org.apache.hc.client5.http.impl.cookie.BasicClientCookie;
import org.junit.jupiter.api.Test;

/** The proxy's cookies are kept up to a bound: expired ones go first, then those set longest ago. */
class ProxyCookieStoreTest {
    private static BasicClientCookie cookie(String name, String value) {
        BasicClientCookie cookie = new BasicClientCookie(name, value);
        cookie.setDomain("127.0.0.1");
        cookie.setPath("/");
        return cookie;
    }

    private static List<String> kept(ProxyCookieStore store) {
        return store.getCookies().stream().map(c -> c.getName() + "=" + c.getValue()).sorted().toList();
    }

    @Test
    void beyondTheBoundTheCookieSetLongestAgoGoes() {
        ProxyCookieStore store = new ProxyCookieStore(3);
        store.addCookie(cookie("a", "1"));
        store.addCookie(cookie("b", "1"));
        store.addCookie(cookie("c", "1"));
        // Set again, as an ALB renews AWSALB on every answer: now the newest.
        store.addCookie(cookie("a", "2"));

        store.addCookie(cookie("d", "1"));

        assertEquals(List.of("a=2", "c=1", "d=1"), kept(store));
        assertFalse(store.toString().contains("a=2") || store.toString().contains("\"2\""), store.toString());
    }

    @Test
    void expiredCookiesGoBeforeLiveOnes() {
        ProxyCookieStore store = new ProxyCookieStore(2);
        BasicClientCookie soon = cookie("soon", "1");
        store.addCookie(cookie("old", "1"));
        store.addCookie(soon);
        // Expires after it was kept: the first to go when room is needed.
        soon.setExpiryDate(Instant.now().minusSeconds(1));

        store.addCookie(cookie("new", "1"));

        assertEquals(List.of("new=1", "old=1"), kept(store));
    }

    @Test
    void anExpiredCookieRemovesItsNamesake() {
        ProxyCookieStore store = new ProxyCookieStore(2);
        store.addCookie(cookie("AWSALB", "abc"));
        BasicClientCookie expiry = cookie("AWSALB", "abc");
        expiry.setExpiryDate(Instant.now().minusSeconds(1));

        store.addCookie(expiry);
        store.addCookie(cookie("x", "1"));
        store.addCookie(cookie("y", "1"));

        assertEquals(List.of("x=1", "y=1"), kept(store), "the expiry took a place in the bound");
        assertEquals(List.<Cookie>of(), new ProxyCookieStore().getCookies());
    }
}
