package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.hc.core5.http.Header;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link HopByHopHeaders} with arbitrary header lists. Its contract: what it keeps is the
 * input in order, minus exactly the always hop-by-hop headers and those named in {@code Connection}.
 */
class HopByHopHeadersFuzzTest {
    @FuzzTest
    void remove(FuzzedDataProvider data) {
        List<Header> headers = FuzzedHeaders.from(data);

        Set<String> named = HopByHopHeaders.connectionTokens(headers);
        List<Header> kept = HopByHopHeaders.remove(headers);

        for (String token : named) {
            assertFalse(token.isEmpty(), "empty Connection token");
            assertEquals(token.trim().toLowerCase(Locale.ROOT), token, "token not trimmed and lower-case");
        }
        int next = 0;
        for (Header header : headers) {
            String name = header.getName().toLowerCase(Locale.ROOT);
            boolean dropped = HopByHopHeaders.isAlwaysHopByHop(name) || named.contains(name);
            if (!dropped) {
                assertTrue(next < kept.size() && kept.get(next) == header, "kept headers, in order: " + header);
                next++;
            }
        }
        assertEquals(kept.size(), next, "nothing kept that should have gone");
    }
}
