package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link PendingRequests#parse}, which the agent runs on every poll answer. Its contract: a
 * {@link MalformedMessageException} for anything but an answer, and an answer that reads back
 * unchanged from its own JSON.
 */
class PendingRequestsFuzzTest {
    @FuzzTest
    void parse(byte[] answer) {
        if (answer.length > PendingRequests.MAX_ANSWER_BYTES) {
            return;
        }
        PendingRequests parsed;
        try {
            // The agent decodes the answer as UTF-8 before parsing it.
            parsed = PendingRequests.parse(new String(answer, StandardCharsets.UTF_8));
        } catch (MalformedMessageException refused) {
            return;
        }
        for (PendingRequest request : parsed.requests()) {
            assertNotNull(request.id());
        }
        assertEquals(parsed.requests().size(), parsed.requestIds().size());
        try {
            assertEquals(parsed, PendingRequests.parse(parsed.toJson()), "the answer survives its own JSON");
        } catch (MalformedMessageException e) {
            throw new AssertionError("the JSON of a parsed answer is refused: " + parsed.toJson(), e);
        }
    }
}
