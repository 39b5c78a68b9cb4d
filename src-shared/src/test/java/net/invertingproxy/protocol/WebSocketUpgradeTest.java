package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.junit.jupiter.api.Test;

class WebSocketUpgradeTest {
    private static List<Header> headers(String... nameValues) {
        List<Header> headers = new ArrayList<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.add(new BasicHeader(nameValues[i], nameValues[i + 1]));
        }
        return headers;
    }

    @Test
    void aBrowsersHandshakeIsAnUpgrade() {
        assertTrue(WebSocketUpgrade.isRequested("GET", headers("Host", "h", "Connection", "keep-alive, Upgrade",
                "Upgrade", "WebSocket", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")));
    }

    @Test
    void otherMethodsProtocolsOrAMissingConnectionTokenAreNot() {
        assertFalse(WebSocketUpgrade.isRequested("POST", headers("Connection", "Upgrade", "Upgrade", "websocket")));
        assertFalse(WebSocketUpgrade.isRequested("GET", headers("Connection", "Upgrade", "Upgrade", "h2c")));
        assertFalse(WebSocketUpgrade.isRequested("GET", headers("Connection", "keep-alive", "Upgrade", "websocket")));
        assertFalse(WebSocketUpgrade.isRequested("GET", headers("Connection", "Upgrade")));
    }

    @Test
    void aHandshakeThatSaysItsBodyIsEmptyIsOne() {
        assertTrue(WebSocketUpgrade.isRequested("GET",
                headers("Connection", "Upgrade", "Content-Length", "0", "Upgrade", "websocket")));
    }

    @Test
    void aHandshakeWithABodyIsNot() {
        assertFalse(WebSocketUpgrade.isRequested("GET",
                headers("Connection", "Upgrade", "Upgrade", "websocket", "Content-Length", "3")));
        assertFalse(WebSocketUpgrade.isRequested("GET",
                headers("Connection", "Upgrade", "Upgrade", "websocket", "Transfer-Encoding", "chunked")));
    }

    @Test
    void forwardedHeadersKeepEndToEndOnesAndAskTheNextHopForTheUpgradeOnce() {
        List<Header> forwarded = WebSocketUpgrade.forwardedHeaders(headers("Host", "h", "Connection", "keep-alive, Upgrade, X-Hop",
                "Upgrade", "websocket", "X-Hop", "1", "Keep-Alive", "timeout=5", "Sec-WebSocket-Key", "k",
                "Sec-WebSocket-Protocol", "chat"));

        List<String> rendered = new ArrayList<>();
        forwarded.forEach(header -> rendered.add(header.getName() + ": " + header.getValue()));
        assertEquals(List.of("Host: h", "Sec-WebSocket-Key: k", "Sec-WebSocket-Protocol: chat",
                "Connection: Upgrade", "Upgrade: websocket"), rendered);
    }

    // Found by WebSocketUpgradeFuzzTest: a NullPointerException.
    @Test
    void aContentLengthWithoutAValueIsNoHandshake() {
        assertFalse(WebSocketUpgrade.isRequested("GET",
                headers("Connection", "Upgrade", "Content-Length", null, "Upgrade", "websocket")));
    }
}
