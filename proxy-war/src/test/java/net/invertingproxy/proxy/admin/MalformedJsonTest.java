package net.invertingproxy.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Each syntax error a strict reader finds is named in the terms of JSON, with Gson's location. */
class MalformedJsonTest {
    @Test
    void everySyntaxErrorIsNamedInTheTermsOfJson() {
        // Gson has one message for all that lenient parsing would take.
        String lenientOnly = "unexpected text (unquoted text, a comment or a stray comma?) at line 1 ";
        String maxInFlight = "{\"limits\": {\"maxInFlight\": ";
        Map<String, String> reasons = new LinkedHashMap<>();
        reasons.put("{'id': 'orders'}", lenientOnly + "column 3 path $.");
        reasons.put("{\"id\": \"orders\" /* the new one */}", lenientOnly + "column 18 path $.id");
        reasons.put("{\"routes\": [{},]}", lenientOnly + "column 17 path $.routes[1]");
        reasons.put(maxInFlight + "NaN}}", lenientOnly + "column 28 path $.limits.maxInFlight");
        reasons.put(maxInFlight + "010}}", lenientOnly + "column 28 path $.limits.maxInFlight");
        reasons.put("{\"id\" \"orders\"}", "expected : after a field name at line 1 column 8 path $.id");
        reasons.put("{\"id\": \"orders\" \"routes\": []}",
                "expected , or } in an object at line 1 column 18 path $.id");
        reasons.put("{\"routes\": [{} {}]}", "expected , or ] in a list at line 1 column 17 path $.routes[1]");
        reasons.put("{\"id\": \"orders", "a string is not closed at line 1 column 15 path $.id");
        reasons.put("{\"id\": \"ord\\ers\"}", "invalid escape sequence in a string at line 1 column 14 path $.id");
        reasons.put("{\"id\": \"\\u12\"}", "invalid \\u escape in a string at line 1 column 11 path $.id");
        reasons.put("{\"id\": \"a\tb\"}",
                "a control character in a string must be escaped at line 1 column 9 path $.id");
        reasons.put("{\"routes\": " + "[".repeat(300),
                "nested too deeply at line 1 column 267 path $.routes" + "[0]".repeat(254));
        reasons.put("{\n  \"id\": \"orders\",\n  \"routes\": [\n",
                "the body ends early at line 4 column 1 path $.routes[0]");

        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> body : reasons.entrySet()) {
            InvalidBodyException refused = assertThrows(InvalidBodyException.class,
                    () -> AdminJson.read(body.getKey(), BackendSpec.class));
            if (!refused.getMessage().equals("malformed JSON: " + body.getValue())) {
                wrong.add(body.getKey() + " gave: " + refused.getMessage());
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void aNumberLongerThanAnyARecordHoldsIsRefusedBeforeItIsParsed() {
        InvalidBodyException refused = assertThrows(InvalidBodyException.class,
                () -> AdminJson.read("{\"limits\": {\"maxInFlight\": " + "9".repeat(101) + "}}", BackendSpec.class));
        assertEquals("a number of 101 characters at line 1 column 129 path $.limits.maxInFlight", refused.getMessage());
    }
}
