package net.invertingproxy.proxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes every {@link PathReading} with raw request paths. Its contract: it never throws, a path
 * it reads starts at the root and holds no dot segment, and reading its own result again changes
 * nothing (the result is a normal form).
 */
class PathReadingFuzzTest {
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
            assertEquals(read, reading.read(path), () -> reading + " did not settle on " + path);
        }
    }
}
