package net.invertingproxy.proxy.servlet;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;

class RequestFramingCheckTest {
    private static Function<String, List<String>> headers(String... namesAndValues) {
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            byName.computeIfAbsent(namesAndValues[i], any -> new ArrayList<>()).add(namesAndValues[i + 1]);
        }
        return name -> byName.getOrDefault(name, List.of());
    }

    private static FailureException refused(String protocol, String... namesAndValues) {
        return assertThrows(FailureException.class, () -> RequestFramingCheck.check(protocol,
                headers(namesAndValues), namesAndValues.length / 2));
    }

    @Test
    void lengthOrChunkingAloneInHttp11Passes() {
        assertDoesNotThrow(() -> RequestFramingCheck.check("HTTP/1.1", headers("Content-Length", "5"), 1));
        assertDoesNotThrow(() -> RequestFramingCheck.check("HTTP/1.1", headers("Transfer-Encoding", "Chunked "), 1));
        assertDoesNotThrow(() -> RequestFramingCheck.check("HTTP/1.0", headers("Content-Length", "5"), 1));
        assertDoesNotThrow(() -> RequestFramingCheck.check("HTTP/1.0", headers(), 0));
    }

    @Test
    void chunkingInHttp10IsRefusedWithItsReason() {
        FailureException refusal = refused("HTTP/1.0", "Transfer-Encoding", "chunked");
        assertEquals(Failure.AMBIGUOUS_FRAMING, refusal.failure());
        assertEquals(400, refusal.status());
        assertEquals("Transfer-Encoding in an HTTP/1.0 request", refusal.getMessage());
    }

    @Test
    void lengthTogetherWithChunkingIsRefused() {
        FailureException refusal = refused("HTTP/1.1", "Content-Length", "5", "Transfer-Encoding", "chunked");
        assertEquals(Failure.AMBIGUOUS_FRAMING, refusal.failure());
        assertEquals("both Content-Length and Transfer-Encoding", refusal.getMessage());
    }

    @Test
    void severalLengthsAreRefusedEvenWhenEqual() {
        assertEquals("more than one Content-Length", refused("HTTP/1.1", "Content-Length", "5", "Content-Length", "5")
                .getMessage());
        assertEquals(Failure.AMBIGUOUS_FRAMING, refused("HTTP/1.1", "Content-Length", "5, 6").failure());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip, chunked", "chunked, identity", "identity", "xchunked", "chunked, chunked"})
    void anyCodingButChunkedAloneIs501(String coding) {
        FailureException refusal = refused("HTTP/1.1", "Transfer-Encoding", coding);
        assertEquals(Failure.UNSUPPORTED_TRANSFER_CODING, refusal.failure());
        assertEquals(501, refusal.status());
        assertEquals("Transfer-Encoding other than chunked: " + coding, refusal.getMessage());
    }

    @Test
    void chunkedTwiceAsTwoFieldsIsRefused() {
        assertEquals(Failure.UNSUPPORTED_TRANSFER_CODING,
                refused("HTTP/1.1", "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked").failure());
    }

    @Test
    void moreHeaderFieldsThanTheLimitAre431() {
        assertDoesNotThrow(() -> RequestFramingCheck.check("HTTP/1.1", headers(), RequestFramingCheck.MAX_HEADER_COUNT));
        FailureException refusal = assertThrows(FailureException.class,
                () -> RequestFramingCheck.check("HTTP/1.1", headers(), RequestFramingCheck.MAX_HEADER_COUNT + 1));
        assertEquals(Failure.TOO_MANY_HEADERS, refusal.failure());
        assertEquals(431, refusal.status());
        assertEquals("more than 500 header fields (501)", refusal.getMessage());
    }
}
