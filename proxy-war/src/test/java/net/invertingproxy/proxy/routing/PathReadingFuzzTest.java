package net.invertingproxy.proxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes every {@link PathReading} with raw request paths. Its contract: it never throws, a path
 * it reads starts at the root and holds no dot segment, and a plain path (unreserved characters
 * only, no dot or empty segment) is read as itself. Reading a result again is not asked for: a
 * broken escape such as {@code %%3641} reads as {@code %41}, which a second decoding would take
 * further, but servers decode once (an early version of this test found that).
 */
class PathReadingFuzzTest {
    // Segments of unreserved characters that are not "." or "..", and perhaps a final slash.
    private static final Pattern PLAIN = Pattern.compile("(/(?!\\.\\.?(/|$))[A-Za-z0-9._~-]+)+/?|/");
    @FuzzTest
    void read(byte[] target) {
        if (target.length > 8192) {
            return;
        }
        // Containers hand the raw path over as ISO-8859-1 text.
        String rawPath = new String(target, StandardCharsets.ISO_8859_1);
        for (PathReading reading : PathReading.ALL) {
            Optional<String> read = reading.read(rawPath);
            if (read.isEmpty()) {
                continue;
            }
            String path = read.get();
            assertTrue(path.startsWith("/"), () -> reading + " read " + rawPath + " as " + path);
            for (String segment : path.split("/", -1)) {
                assertFalse(segment.equals(".") || segment.equals(".."), () -> reading + " kept a dot segment: " + path);
            }
        }
        if (PLAIN.matcher(rawPath).matches()) {
            for (PathReading reading : PathReading.ALL) {
                assertEquals(Optional.of(rawPath), reading.read(rawPath), () -> reading + " changed " + rawPath);
            }
        }
    }
}
