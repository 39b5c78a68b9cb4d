package net.invertingproxy.proxy.registry;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.StringReader;

import org.junit.jupiter.api.Test;

import com.google.gson.stream.JsonReader;

/** What {@link JsonTree} refuses beyond Gson's syntax. */
class JsonTreeTest {
    // Found by AdminJsonFuzzTest: BigDecimal threw NumberFormatException, which no caller expected.
    @Test
    void aNumberWhoseExponentIsBeyondAnIntIsAnInvalidBackend() {
        JsonReader in = new JsonReader(new StringReader("{\"maxConcurrent\": 0e41111111111}"));

        assertThrows(InvalidBackendException.class, () -> JsonTree.read(in));
    }
}
