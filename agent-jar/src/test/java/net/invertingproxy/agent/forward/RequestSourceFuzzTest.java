package net.invertingproxy.agent.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MalformedMessageException;
import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.protocol.PendingRequest;
import net.invertingproxy.protocol.PendingRequests;

/**
 * Fuzzes the agent's path for a poll answer in the inline poll mode, the bytes of a
 * {@code GET agent/pending} answer: parsed as {@link PendingRequests}, each inline entry opened as a
 * {@link RequestSource}, read with the agent's {@link MessageReader} and checked by its source. The
 * contract: anything broken is a {@link MalformedMessageException}, which the agent answers like any
 * malformed message; an accepted inline request has no body.
 */
class RequestSourceFuzzTest {
    // The agent's defaults: -max-header-bytes 65536 and at most 1000 headers.
    private static final MessageReader READER = new MessageReader(65536, 1000);

    @FuzzTest
    void inlinePollAnswer(byte[] answer) throws IOException {
        if (answer.length > PendingRequests.MAX_ANSWER_BYTES) {
            return;
        }
        PendingRequests pending;
        try {
            pending = PendingRequests.parse(new String(answer, StandardCharsets.UTF_8));
        } catch (MalformedMessageException refused) {
            return;
        }
        for (PendingRequest entry : pending.requests()) {
            if (!entry.isInline()) {
                continue;
            }
            RequestSource source = RequestSource.of(entry, null);
            assertEquals(entry.userId(), source.userId());
            assertFalse(source.tunnelled(), "an inline request is never a tunnel");
            MessageReader.IncomingRequest request;
            try {
                request = READER.readRequest(source.open(), source.tunnelled());
                source.check(request);
            } catch (MalformedMessageException refused) {
                continue;
            }
            assertEquals(BodyFraming.Kind.NONE, request.body().framing().kind());
            assertEquals(-1, request.body().read(), "an accepted inline request has no body");
            source.finished();
        }
    }
}
