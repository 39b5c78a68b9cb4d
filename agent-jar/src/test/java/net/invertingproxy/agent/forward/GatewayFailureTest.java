package net.invertingproxy.agent.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import javax.net.ssl.SSLHandshakeException;

import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.ProtocolException;
import org.junit.jupiter.api.Test;

class GatewayFailureTest {
    private static GatewayFailure of(IOException e) {
        return GatewayFailure.of(e, "b:1", Duration.ofSeconds(50));
    }

    @Test
    void eachFailureHasItsStatus() {
        assertEquals(new GatewayFailure(502, "backend b:1 refused the connection"),
                of(new HttpHostConnectException("Connection refused")));
        assertEquals(new GatewayFailure(502, "backend host of b:1 is unknown"), of(new UnknownHostException("b")));
        assertEquals(new GatewayFailure(504, "connecting to backend b:1 took longer than 50s"),
                of(new ConnectTimeoutException("connect timed out")));
        assertEquals(new GatewayFailure(504, "backend b:1 did not answer within 50s"),
                of(new SocketTimeoutException("Read timed out")));
        assertEquals(new GatewayFailure(503, "agent had no free connection to backend b:1 within 50s"),
                of(new ConnectionRequestTimeoutException("lease")));
        assertEquals(new GatewayFailure(502, "backend b:1 closed the connection without answering"),
                of(new NoHttpResponseException("b:1 failed to respond")));
        assertEquals(new GatewayFailure(502, "TLS with backend b:1 failed: bad cert"),
                of(new SSLHandshakeException("bad cert")));
        assertEquals(new GatewayFailure(502, "backend b:1 could not be asked or answered invalidly: Invalid status line"),
                of(new ClientProtocolException(new ProtocolException("Invalid status line"))));
        assertEquals(new GatewayFailure(502, "forwarding to backend b:1 failed: Broken pipe"),
                of(new IOException("Broken pipe")));
        assertEquals(new GatewayFailure(503, "agent is at its limit of 3 requests in flight"), GatewayFailure.atCapacity(3));
    }

    @Test
    void reasonStaysOnOneLine() {
        assertEquals("a b", new GatewayFailure(502, "a\r\nb\n").reason());
    }

    @Test
    void messageIsAPlainTextResponse() {
        assertEquals("HTTP/1.1 504 Gateway Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        + "Cache-Control: no-store\r\nContent-Length: 5\r\n\r\nslow\n",
                new String(new GatewayFailure(504, "slow").toMessage(), StandardCharsets.UTF_8));
    }
}
