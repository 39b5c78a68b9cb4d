package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The header names must match the Go proxy and agent exactly (see the wire-protocol reference). */
class WireHeadersTest {

    @Test
    void headerNamesAreThoseOfTheGoImplementation() {
        assertEquals("X-Inverting-Proxy-Backend-ID", WireHeaders.BACKEND_ID);
        assertEquals("X-Inverting-Proxy-Request-ID", WireHeaders.REQUEST_ID);
        assertEquals("X-Inverting-Proxy-Request-Start-Time", WireHeaders.REQUEST_START_TIME);
        assertEquals("X-Inverting-Proxy-User-ID", WireHeaders.USER_ID);
        assertEquals("X-Inverting-Proxy-VM-ID", WireHeaders.VM_ID);
    }

    @Test
    void responseMessageContentTypeIsPlainText() {
        assertEquals("text/plain", WireHeaders.RESPONSE_MESSAGE_CONTENT_TYPE);
    }
}
