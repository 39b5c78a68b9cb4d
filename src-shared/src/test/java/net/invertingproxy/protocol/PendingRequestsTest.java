package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class PendingRequestsTest {

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"null", " null\n", "   ", "\r\n", "[]", " [ ] "})
    void nullEmptyOrEmptyArrayAnswersMeanNoRequests(String answer) throws Exception {
        assertEquals(List.of(), PendingRequests.parse(answer).requestIds());
    }

    @Test
    void arrayOfStringsGivesTheIdsInOrder() throws Exception {
        assertEquals(List.of("a", "b"), PendingRequests.parse("[\"a\",\"b\"]").requestIds());
    }

    @Test
    void arrayWithWhitespaceAndEscapesIsParsed() throws Exception {
        assertEquals(List.of("x-1", "y_2", "A"),
                PendingRequests.parse(" [ \"x-1\" ,\n\"y_2\", \"\\u0041\" ] ").requestIds());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "[1]", "garbage", "\"a\"", "42", "true", "[null]", "[true]", "[[\"a\"]]",
            "[{\"id\":\"a\"}]", "[\"a\",1]", "[\"a\"", "[\"a\"]]", "[\"a\"] x"})
    void anythingButAnArrayOfStringsIsRefused(String answer) {
        assertThrows(MalformedMessageException.class, () -> PendingRequests.parse(answer));
    }

    @Test
    void toJsonOfTheEmptyAnswerIsAnEmptyArray() {
        assertEquals("[]", PendingRequests.none().toJson());
    }

    @Test
    void toJsonWritesAJsonArrayOfStrings() {
        assertEquals("[\"a\",\"b\"]", PendingRequests.ofIds(List.of("a", "b")).toJson());
    }

    @Test
    void toJsonRoundTripsThroughParse() throws Exception {
        List<String> ids = List.of(RequestIds.next(), RequestIds.next(), "odd <chars> = & ' \" \\ ü");
        PendingRequests answer = PendingRequests.ofIds(ids);

        PendingRequests parsed = PendingRequests.parse(answer.toJson());

        assertEquals(ids, parsed.requestIds());
        assertEquals(answer, parsed);
    }

    @Test
    void emptyAnswerRoundTripsThroughParse() throws Exception {
        assertEquals(PendingRequests.none(), PendingRequests.parse(PendingRequests.none().toJson()));
    }

    @Test
    void laterChangesToTheGivenListDoNotChangeTheAnswer() {
        List<String> ids = new ArrayList<>(List.of("a"));
        PendingRequests answer = PendingRequests.ofIds(ids);

        ids.add("b");

        assertEquals(List.of("a"), answer.requestIds());
        assertThrows(UnsupportedOperationException.class, () -> answer.requestIds().add("c"));
    }

    @Test
    void inlineRequestsRoundTripByteForByteBesideIdsToRead() throws Exception {
        // Latin-1 bytes above 0x7F (obs-text in a header value) and JSON's special characters survive.
        String message = "GET /a?b=\"c\"&d=<e> HTTP/1.1\r\nHost: h\r\nX-Note: caf\u00e9\\\r\n\r\n";
        PendingRequests answer = new PendingRequests(List.of(
                new PendingRequest("inline-1", message, "alice@example.com"),
                PendingRequest.toRead("read-2"),
                new PendingRequest("inline-3", "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n", null)));

        PendingRequests parsed = PendingRequests.parse(answer.toJson());

        assertEquals(answer, parsed);
        assertEquals(List.of("inline-1", "read-2", "inline-3"), parsed.requestIds());
        assertTrue(parsed.requests().get(0).isInline());
        assertFalse(parsed.requests().get(1).isInline());
        assertArrayEquals(message.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                parsed.requests().get(0).messageBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[{\"id\": \"a\"}]", "[{\"message\": \"GET / HTTP/1.1\\r\\n\\r\\n\"}]",
            "[{\"id\": 1, \"message\": \"m\"}]", "[{\"id\": \"a\", \"message\": [\"m\"]}]", "[1]", "[[\"a\"]]"})
    void entriesThatAreNeitherAnIdNorAWholeRequestAreRefused(String answer) {
        assertThrows(MalformedMessageException.class, () -> PendingRequests.parse(answer));
    }

    // BUG (reported, not fixed): Gson's JsonParser.parseString is lenient, so text that is not JSON at all
    // is accepted as an array of strings, although parse() promises to refuse anything else.
    @ParameterizedTest
    @ValueSource(strings = {"[a, b]", "['a']", "[\"a\";\"b\"]", "NULL", "null garbage"})
    void textThatIsNotJsonIsRefused(String answer) {
        assertThrows(MalformedMessageException.class, () -> PendingRequests.parse(answer));
    }
}
