package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestIdsTest {
    private static final Pattern URL_SAFE_22 = Pattern.compile("[A-Za-z0-9_-]{22}");

    @Test
    void newIdsAre22UrlSafeBase64CharactersWithoutPadding() {
        for (int i = 0; i < 1_000; i++) {
            String id = RequestIds.next();
            assertTrue(URL_SAFE_22.matcher(id).matches(), () -> "not 22 URL-safe characters: " + id);
        }
    }

    @Test
    void tenThousandNewIdsAreAllDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            seen.add(RequestIds.next());
        }
        assertEquals(10_000, seen.size());
    }

    @Test
    void newIdsAreWellFormed() {
        for (int i = 0; i < 1_000; i++) {
            String id = RequestIds.next();
            assertTrue(RequestIds.isWellFormed(id), () -> "refused own ID " + id);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "Z", "0", "-", "_", "abc-DEF_123", "QUJDREVGR0hJSktMTU5PUA"})
    void tokensOfTheUrlSafeAlphabetAreWellFormed(String id) {
        assertTrue(RequestIds.isWellFormed(id));
    }

    @Test
    void idOf128CharactersIsWellFormed() {
        assertTrue(RequestIds.isWellFormed("a".repeat(128)));
    }

    @ParameterizedTest
    @NullAndEmptySource
    void nullAndEmptyIdsAreRefused(String id) {
        assertFalse(RequestIds.isWellFormed(id));
    }

    @Test
    void idLongerThan128CharactersIsRefused() {
        assertFalse(RequestIds.isWellFormed("a".repeat(129)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", " abc", "abc ", "a+b", "a/b", "abc=", "a.b", "a%20b", "ä", "a\nb", "a\r\n", "a,b", "a;b", "a\"b"})
    void idsWithCharactersOutsideTheUrlSafeAlphabetAreRefused(String id) {
        assertFalse(RequestIds.isWellFormed(id));
    }
}
