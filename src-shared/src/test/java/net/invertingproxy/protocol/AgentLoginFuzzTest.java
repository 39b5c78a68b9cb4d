package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes both JSON bodies of {@code POST agent/login}: the request the proxy reads from an agent and
 * the answer the agent reads from the proxy. Their contract: a {@link MalformedMessageException} for
 * anything else, and a parsed body that reads back unchanged from its own JSON.
 */
class AgentLoginFuzzTest {
    @FuzzTest
    void parseRequest(byte[] body) throws MalformedMessageException {
        if (body.length > AgentLogin.MAX_BODY_BYTES) {
            return;
        }
        AgentLogin.Request request;
        try {
            request = AgentLogin.Request.parse(new String(body, StandardCharsets.UTF_8));
        } catch (MalformedMessageException refused) {
            return;
        }
        assertTrue(AgentLogin.FORWARDED_HEADERS.containsAll(request.stsHeaders().keySet()),
                "only the forwarded headers are kept: " + request.stsHeaders().keySet());
        assertEquals(request, AgentLogin.Request.parse(request.toJson()));
    }

    @FuzzTest
    void parseAnswer(byte[] body) throws MalformedMessageException {
        if (body.length > AgentLogin.MAX_BODY_BYTES) {
            return;
        }
        AgentLogin.Answer answer;
        try {
            answer = AgentLogin.Answer.parse(new String(body, StandardCharsets.UTF_8));
        } catch (MalformedMessageException refused) {
            return;
        }
        assertEquals(answer, AgentLogin.Answer.parse(answer.toJson()));
    }
}
