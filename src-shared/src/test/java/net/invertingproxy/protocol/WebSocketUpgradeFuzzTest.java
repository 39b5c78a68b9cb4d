package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;

import org.apache.hc.core5.http.Header;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link WebSocketUpgrade} with arbitrary methods and header lists. Its contract: it never
 * fails, it recognises only a bodiless {@code GET} that asks for {@code websocket} with
 * {@code Connection: upgrade}, and the forwarded headers are the end-to-end ones plus the two that
 * ask for the upgrade.
 */
class WebSocketUpgradeFuzzTest {
    @FuzzTest
    void isRequestedAndForwardedHeaders(FuzzedDataProvider data) {
        String method = data.consumeBoolean() ? "GET" : data.consumeString(8);
        List<Header> headers = FuzzedHeaders.from(data);

        if (WebSocketUpgrade.isRequested(method, headers)) {
            assertEquals("GET", method);
            assertTrue(HopByHopHeaders.connectionTokens(headers).contains("upgrade"), "Connection: upgrade");
            assertTrue(headers.stream().anyMatch(h -> h.getName().equalsIgnoreCase("Upgrade") && h.getValue() != null
                    && h.getValue().toLowerCase(Locale.ROOT).contains("websocket")), "Upgrade: websocket");
            assertTrue(headers.stream().noneMatch(h -> h.getName().equalsIgnoreCase("Transfer-Encoding")),
                    "no chunked body");
        }
        List<Header> forwarded = WebSocketUpgrade.forwardedHeaders(headers);
        List<Header> endToEnd = HopByHopHeaders.remove(headers);
        assertEquals(endToEnd, forwarded.subList(0, endToEnd.size()));
        assertEquals(endToEnd.size() + 2, forwarded.size());
    }
}
