package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals("[\"a\",\"b\"]", new PendingRequests(List.of("a", "b")).toJson());
    }

    @Test
    void toJsonRoundTripsThroughParse() throws Exception {
        List<String> ids = List.of(RequestIds.next(), RequestIds.next(), "odd <chars> = & ' \" \\ ü");
        PendingRequests answer = new PendingRequests(ids);

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
        PendingRequests answer = new PendingRequests(ids);

        ids.add("b");

        assertEquals(List.of("a"), answer.requestIds());
        assertThrows(UnsupportedOperationException.class, () -> answer.requestIds().add("c"));
    }

    // BUG (reported, not fixed): Gson's JsonParser.parseString is lenient, so text that is not JSON at all
    // is accepted as an array of strings, although parse() promises to refuse anything else.
    @ParameterizedTest
    @ValueSource(strings = {"[a, b]", "['a']", "[\"a\";\"b\"]", "NULL", "null garbage"})
    void textThatIsNotJsonIsRefused(String answer) {
        assertThrows(MalformedMessageException.class, () -> PendingRequests.parse(answer));
    }
}
