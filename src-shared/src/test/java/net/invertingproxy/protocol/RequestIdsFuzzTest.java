package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link RequestIds#isWellFormed}, which every request ID header passes before any lookup:
 * it must accept exactly 1 to 128 URL-safe Base64 characters, and every ID {@link RequestIds#next}
 * makes.
 */
class RequestIdsFuzzTest {
    @FuzzTest
    void isWellFormed(byte[] header) {
        if (header.length > 1024) {
            return;
        }
        // Containers hand header values over as ISO-8859-1 text.
        String value = new String(header, StandardCharsets.ISO_8859_1);

        assertEquals(plainToken(value), RequestIds.isWellFormed(value), () -> "for " + value);
        assertTrue(RequestIds.isWellFormed(RequestIds.next()));
    }

    // The rule spelled out character by character, independently of the pattern.
    private static boolean plainToken(String value) {
        if (value.isEmpty() || value.length() > 128) {
            return false;
        }
        for (char c : value.toCharArray()) {
            boolean alphabet = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_';
            if (!alphabet) {
                return false;
            }
        }
        return true;
    }
}
