package net.invertingproxy.proxy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link AddressRange} with CIDR text and candidate addresses (operators' settings, and
 * {@code X-Forwarded-For} entries). Its contract: parsing refuses with an
 * {@link IllegalArgumentException} only, a parsed range reads back from its own text, contains its
 * own network address, and {@code contains} never throws.
 */
class AddressRangeFuzzTest {
    @FuzzTest
    void parseAndContains(FuzzedDataProvider data) {
        String cidr = data.consumeString(100);
        String candidate = data.consumeRemainingAsString();
        if (candidate.length() > 200) {
            return;
        }
        AddressRange range;
        try {
            range = AddressRange.parse(cidr);
        } catch (IllegalArgumentException refused) {
            return;
        }
        AddressRange again = AddressRange.parse(range.toString());
        assertEquals(range.toString(), again.toString());
        String network = range.toString().split("/", 2)[0];
        assertTrue(range.contains(network), () -> range + " contains its own address");
        assertEquals(range.contains(candidate), again.contains(candidate), () -> "the same range for " + candidate);
    }
}
