package net.invertingproxy.proxy.admin;

import java.io.IOException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader's syntax error restated for whoever wrote the body, often by hand with curl:
 * Gson's messages advise its Java API ({@code Strictness.LENIENT}) and link its troubleshooting
 * page, which mean nothing to them. Gson's location (line, column and JSON path) is kept.
 */
final class MalformedJson {
    // Gson ends the first line of its message with where it stopped: " at line 1 column 8 path $.id".
    private static final Pattern LOCATION = Pattern.compile(" at line \\d+ column \\d+ path \\S*$");
    // How Gson's messages start, and what each means in the terms of JSON; Gson's own words never pass.
    private static final Map<String, String> FAULTS = Map.ofEntries(
            Map.entry("End of input", "the body ends early"),
            // Gson's one message for every construct that only lenient parsing accepts.
            Map.entry("Use JsonReader.setStrictness", "unexpected text (unquoted text, a comment or a stray comma?)"),
            Map.entry("Expected name", "expected a field name in double quotes"),
            Map.entry("Expected ':'", "expected : after a field name"),
            Map.entry("Expected value", "expected a value"),
            Map.entry("Unexpected value", "unexpected value"),
            // Gson reads an object or list on to its end; what it found there was neither , nor the end.
            Map.entry("Unterminated object", "expected , or } in an object"),
            Map.entry("Unterminated array", "expected , or ] in a list"),
            Map.entry("Unterminated string", "a string is not closed"),
            Map.entry("Unterminated escape sequence", "an escape sequence is cut short"),
            Map.entry("Invalid escape sequence", "invalid escape sequence in a string"),
            Map.entry("Invalid escaped character", "invalid escape sequence in a string"),
            Map.entry("Cannot escape a newline", "invalid escape sequence in a string"),
            Map.entry("Malformed Unicode escape", "invalid \\u escape in a string"),
            Map.entry("Unescaped control characters", "a control character in a string must be escaped"),
            Map.entry("Unpaired surrogate characters", "a string holds half of a surrogate pair"),
            Map.entry("Nesting limit", "nested too deeply"));

    private MalformedJson() {
    }

    /** The reason for {@code error}, which Gson's strict reader threw: {@code malformed JSON: <what> at line..}. */
    static String reason(IOException error) {
        String message = error.getMessage() == null ? "" : error.getMessage().lines().findFirst().orElse("");
        Matcher location = LOCATION.matcher(message);
        String where = location.find() ? location.group() : "";
        String fault = FAULTS.entrySet().stream()
                .filter(known -> message.startsWith(known.getKey()))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse("not valid JSON");
        return "malformed JSON: " + fault + where;
    }
}
