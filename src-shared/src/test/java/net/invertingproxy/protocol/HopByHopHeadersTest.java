package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HopByHopHeadersTest {

    private static Header h(String name, String value) {
        return new BasicHeader(name, value);
    }

    private static List<String> render(List<? extends Header> headers) {
        List<String> lines = new ArrayList<>();
        for (Header header : headers) {
            lines.add(header.getName() + ": " + header.getValue());
        }
        return lines;
    }

    @Test
    void fixedHopByHopHeadersAreRemovedWhateverTheirCase() {
        List<Header> headers = List.of(
                h("CONNECTION", "close"),
                h("Host", "example.org"),
                h("proxy-connection", "keep-alive"),
                h("Keep-Alive", "timeout=5"),
                h("Proxy-AUTHENTICATE", "Basic"),
                h("pRoXy-AuThOrIzAtIoN", "Basic Zm9vOmJhcg=="),
                h("te", "trailers"),
                h("TRAILER", "X-Checksum"),
                h("Transfer-Encoding", "chunked"),
                h("Upgrade", "websocket"),
                h("Content-Type", "text/plain"));

        assertEquals(List.of("Host: example.org", "Content-Type: text/plain"),
                render(HopByHopHeaders.remove(headers)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Connection", "proxy-connection", "KEEP-ALIVE", "Proxy-Authenticate",
            "Proxy-Authorization", "TE", "Trailer", "transfer-encoding", "Upgrade"})
    void fixedListNamesAreAlwaysHopByHop(String name) {
        assertTrue(HopByHopHeaders.isAlwaysHopByHop(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length", "Content-Type", "Host", "Authorization", "Set-Cookie", "Trailers", "X-Upgrade"})
    void endToEndNamesAreNotAlwaysHopByHop(String name) {
        assertFalse(HopByHopHeaders.isAlwaysHopByHop(name));
    }

    @Test
    void headersNamedInSeveralConnectionTokensAndSeveralConnectionHeadersAreRemoved() {
        List<Header> headers = List.of(
                h("Connection", "X-Foo, x-bar"),
                h("x-foo", "1"),
                h("Accept", "*/*"),
                h("X-BAR", "2"),
                h("connection", " ,X-Baz ,, Content-Type "),
                h("X-Baz", "3"),
                h("Content-Type", "text/html"),
                h("X-Kept", "4"));

        assertEquals(List.of("Accept: */*", "X-Kept: 4"), render(HopByHopHeaders.remove(headers)));
    }

    @Test
    void connectionTokensAreLowerCasedTrimmedAndSkipEmptyOnes() {
        List<Header> headers = List.of(
                h("Connection", "  X-Foo ,,X-Bar,  "),
                h("CONNECTION", "keep-alive"),
                h("X-Other", "X-Not-A-Token"));

        assertEquals(Set.of("x-foo", "x-bar", "keep-alive"), HopByHopHeaders.connectionTokens(headers));
    }

    @Test
    void connectionHeaderWithoutValueIsStillRemoved() {
        List<Header> headers = List.of(h("Connection", null), h("Accept", "*/*"));

        assertEquals(List.of("Accept: */*"), render(HopByHopHeaders.remove(headers)));
    }

    @Test
    void remainingHeadersKeepTheirOrderAndRepeats() {
        Header cookieA = h("Set-Cookie", "a=1");
        Header vary = h("Vary", "Accept");
        Header cookieB = h("Set-Cookie", "b=2");
        Header via = h("Via", "1.1 one");
        Header cookieC = h("set-cookie", "c=3");
        Header via2 = h("Via", "1.1 two");
        List<Header> headers = List.of(
                h("Connection", "X-Drop"), cookieA, h("Keep-Alive", "timeout=1"), vary, cookieB,
                h("X-Drop", "x"), via, cookieC, h("Upgrade", "h2c"), via2);

        List<Header> kept = HopByHopHeaders.remove(headers);

        assertEquals(6, kept.size());
        assertSame(cookieA, kept.get(0));
        assertSame(vary, kept.get(1));
        assertSame(cookieB, kept.get(2));
        assertSame(via, kept.get(3));
        assertSame(cookieC, kept.get(4));
        assertSame(via2, kept.get(5));
    }

    @Test
    void headersWithoutHopByHopOnesComeBackUnchanged() {
        List<Header> headers = List.of(h("Host", "a"), h("Accept", "*/*"), h("Accept", "text/html"));

        assertEquals(render(headers), render(HopByHopHeaders.remove(headers)));
    }
}
