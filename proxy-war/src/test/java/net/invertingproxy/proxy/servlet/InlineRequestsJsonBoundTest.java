package net.invertingproxy.proxy.servlet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import net.invertingproxy.protocol.PendingRequest;
import net.invertingproxy.protocol.PendingRequests;
import net.invertingproxy.protocol.RequestIds;
import net.invertingproxy.proxy.standalone.EmbeddedProxy;

/**
 * {@link InlineRequests#jsonBytesAtMost} is an upper bound of what an inline entry adds to the
 * poll answer as the agent receives it (UTF-8 bytes of the JSON text {@link PendingRequests#toJson}
 * writes), whatever characters the request message and the user hold; so an answer whose inline
 * entries were counted against {@link InlineRequests#MAX_INLINE_BYTES} stays under the
 * {@link PendingRequests#MAX_ANSWER_BYTES} an agent reads.
 */
class InlineRequestsJsonBoundTest {
    /** What the answer's array adds around its entries: "[" and "]". */
    private static final int LIST_FRAMING = utf8Length(PendingRequests.none().toJson());

    private static final String LATIN_1_HIGH = rangeOf(0x80, 0xFF);
    private static final String CONTROLS = rangeOf(0x00, 0x1F) + '\u007f';
    /** The controls JSON has no two-character escape for (as it has for BS, HT, LF, FF and CR): six bytes each. */
    private static final String SIX_BYTE_ESCAPES = rangeOf(0x00, 0x07) + '\u000b' + rangeOf(0x0E, 0x1F);

    static Stream<String> messages() {
        return Stream.of(
                "",
                "GET /items?id=7 HTTP/1.1\r\nHost: proxy.example.com\r\nX-Forwarded-For: 127.0.0.1\r\n"
                        + "X-Forwarded-Proto: http\r\nX-Forwarded-Host: proxy.example.com\r\n\r\n",
                "\r\n".repeat(500),
                "\"".repeat(300) + "\\".repeat(300),
                "GET /search?q=\"a\\b\" HTTP/1.1\r\nHost: x\r\nX-Quote: \"\\\"\r\n\r\n",
                "<>&='".repeat(200),
                "GET /a?b=c&d=<e>&f='g' HTTP/1.1\r\nCookie: k=v; k2=v2==\r\n\r\n",
                LATIN_1_HIGH,
                LATIN_1_HIGH.repeat(20),
                "GET /caf\u00e9 HTTP/1.1\r\nX-Name: J\u00fcrgen \u00c6\u00f8\u00e5 \u00ff\u0080\u0085\u009f\r\n\r\n",
                CONTROLS,
                CONTROLS.repeat(40),
                "\u0000".repeat(1000),
                "\u007f".repeat(1000),
                "\t\b\f\n\r".repeat(100),
                rangeOf(0x00, 0xFF).repeat(8),
                // Characters in no particular order, as a hostile client's header block might be.
                shuffledLatin1(4096));
    }

    static Stream<String> userIds() {
        return Stream.of(null, "", "alice", "alice@example.com", "a\"l\\i<c>e&='", "\r\n\t\u0000\u001f",
                "Jos\u00e9 M\u00fcller", "\u65e5\u672c\u8a9e\u306e\u540d\u524d", "emoji \ud83d\ude00\ud83d\ude80",
                "\u2028\u2029".repeat(50), "\ud800 lone surrogate \udfff", "x".repeat(1024));
    }

    static Stream<String> ids() {
        return Stream.of(RequestIds.next(), "a", "A-_z09".repeat(21) + "xy");
    }

    @ParameterizedTest
    @MethodSource("messages")
    void anEntryTakesAtMostItsBoundInTheAnswerWhateverItsMessage(String message) {
        for (String userId : userIds().toList()) {
            for (String id : ids().toList()) {
                PendingRequest entry = new PendingRequest(id, message, userId);

                int actual = answerBytes(List.of(entry)) - LIST_FRAMING;

                assertTrue(actual <= InlineRequests.jsonBytesAtMost(entry), () -> "entry of "
                        + describe(entry) + " takes " + actual + " bytes, bound " + InlineRequests.jsonBytesAtMost(entry));
            }
        }
    }

    @Test
    void everyLatin1CharacterTakesAtMostItsShareOfTheBound() {
        for (int c = 0; c <= 0xFF; c++) {
            String message = String.valueOf((char) c).repeat(1000);
            PendingRequest entry = new PendingRequest(RequestIds.next(), message, "user");

            int actual = answerBytes(List.of(entry)) - LIST_FRAMING;
            int bound = InlineRequests.jsonBytesAtMost(entry);

            int character = c;
            assertTrue(actual <= bound, () -> String.format("1000 x U+%04X take %d bytes, bound %d", character, actual, bound));
        }
    }

    @Test
    void theBoundsOfSeveralEntriesCoverTheWholeAnswerWithItsSeparators() {
        List<PendingRequest> entries = new ArrayList<>();
        List<String> messages = messages().toList();
        List<String> users = userIds().toList();
        for (int i = 0; i < 100; i++) {
            entries.add(new PendingRequest(RequestIds.next(), messages.get(i % messages.size()), users.get(i % users.size())));
        }

        int actual = answerBytes(entries) - LIST_FRAMING;
        int bounds = entries.stream().mapToInt(InlineRequests::jsonBytesAtMost).sum();

        assertTrue(actual <= bounds, actual + " bytes, bounds " + bounds);
    }

    /**
     * The budget counted with the bound keeps the answer well under what an agent reads, even when
     * every character of every message takes a six-byte escape and the last entry admitted
     * overshoots the budget, up to the largest request head a client can send.
     */
    @ParameterizedTest
    @MethodSource("worstCaseSizes")
    void aBatchThatJustFitsTheBudgetStaysUnderTheAnswerLimitEvenIfEveryCharacterIsEscaped(int messageChars) {
        List<PendingRequest> candidates = new ArrayList<>();
        for (int i = 0; i < InlineRequests.MAX_INLINE_PER_ANSWER; i++) {
            // Each char of these takes a six-byte escape, the worst a Latin-1 message can do.
            String message = String.valueOf(SIX_BYTE_ESCAPES.charAt(i % SIX_BYTE_ESCAPES.length())).repeat(messageChars);
            candidates.add(new PendingRequest(RequestIds.next(), message, "\u2028".repeat(64)));
        }

        List<PendingRequest> batch = batchAsAnswerBuildsIt(candidates);
        byte[] answer = new PendingRequests(batch).toJson().getBytes(UTF_8);

        List<PendingRequest> inline = batch.stream().filter(PendingRequest::isInline).toList();
        assertTrue(!inline.isEmpty(), "at least one entry goes inline");
        int boundsBeforeTheLast = inline.subList(0, inline.size() - 1).stream()
                .mapToInt(InlineRequests::jsonBytesAtMost).sum();
        assertTrue(boundsBeforeTheLast < InlineRequests.MAX_INLINE_BYTES,
                "the entries before the last fit the budget: " + boundsBeforeTheLast);
        int bounds = inline.stream().mapToInt(InlineRequests::jsonBytesAtMost).sum();
        assertTrue(answer.length - LIST_FRAMING - (batch.size() - inline.size()) * (RequestIds.next().length() + 3)
                <= bounds, "inline entries take " + answer.length + " bytes with the IDs, bounds " + bounds);
        assertTrue(answer.length < PendingRequests.MAX_ANSWER_BYTES,
                inline.size() + " inline entries of " + messageChars + " escaped chars make " + answer.length + " bytes");
        // The worst case really was that: nearly all of the answer is the escapes.
        assertTrue(answer.length >= 6L * messageChars * inline.size(), "answer of " + answer.length + " bytes");
        assertEquals(candidates.stream().map(PendingRequest::id).toList(),
                batch.stream().map(PendingRequest::id).toList(), "every request is in the answer, inline or as an ID");
    }

    /**
     * The worst batch of all: small entries use the budget up to its last byte, so one more entry
     * is still admitted, and that one is the largest request head a client can send, every
     * character of it escaped.
     */
    @Test
    void aBudgetFilledToItsLastByteThenTheLargestHeadStaysUnderTheAnswerLimit() {
        List<PendingRequest> candidates = new ArrayList<>();
        int remaining = InlineRequests.MAX_INLINE_BYTES - 1;
        String escaped = "\u0001";
        while (remaining > 3 * InlineRequests.jsonBytesAtMost(entryOf(escaped.repeat(2000)))) {
            PendingRequest filler = entryOf(escaped.repeat(2000));
            candidates.add(filler);
            remaining -= InlineRequests.jsonBytesAtMost(filler);
        }
        // The last filler takes what is left but one byte (six per escape, one per letter), so one
        // byte of budget remains and the next entry is still admitted.
        int base = InlineRequests.jsonBytesAtMost(entryOf(""));
        StringBuilder last = new StringBuilder(escaped.repeat((remaining - base) / 6));
        while (InlineRequests.jsonBytesAtMost(entryOf(last.toString())) < remaining) {
            last.append('a');
        }
        PendingRequest lastFiller = entryOf(last.toString());
        assertEquals(remaining, InlineRequests.jsonBytesAtMost(lastFiller));
        candidates.add(lastFiller);
        int largestHead = worstCaseSizes().max().orElseThrow();
        candidates.add(new PendingRequest(RequestIds.next(), escaped.repeat(largestHead), "\u2028".repeat(256)));
        while (candidates.size() < InlineRequests.MAX_INLINE_PER_ANSWER) {
            candidates.add(entryOf(escaped.repeat(largestHead)));
        }

        List<PendingRequest> batch = batchAsAnswerBuildsIt(candidates);
        byte[] answer = new PendingRequests(batch).toJson().getBytes(UTF_8);

        long inline = batch.stream().filter(PendingRequest::isInline).count();
        int fillers = candidates.indexOf(lastFiller) + 1;
        assertEquals(fillers + 1, inline, "the fillers and the largest head go inline, the rest as IDs");
        assertTrue(answer.length > InlineRequests.MAX_INLINE_BYTES * 9 / 10 + 6 * largestHead,
                "the budget was overshot as far as it can be: " + answer.length);
        assertTrue(answer.length < PendingRequests.MAX_ANSWER_BYTES, answer.length + " bytes");
    }

    private static PendingRequest entryOf(String message) {
        return new PendingRequest(RequestIds.next(), message, null);
    }

    static IntStream worstCaseSizes() {
        int largestHead = EmbeddedProxy.Options.DEFAULT_MAX_HEADER_BYTES
                // What the proxy adds: X-Forwarded-* and a Host when the client sent none.
                + 1024;
        return IntStream.of(0, 1, 100, 437, 1000, 2000, 2620, 4096, 8192, 16384, 43690, 43691, 65536, largestHead);
    }

    /**
     * The inline entries in the order {@code InlineRequests.answer} takes them: an entry goes inline
     * while budget is left and fewer than the maximum went inline, and counts its bound against the
     * budget; the rest of the batch goes as IDs.
     */
    private static List<PendingRequest> batchAsAnswerBuildsIt(List<PendingRequest> candidates) {
        List<PendingRequest> batch = new ArrayList<>();
        int budget = InlineRequests.MAX_INLINE_BYTES;
        int inlined = 0;
        for (PendingRequest candidate : candidates) {
            if (budget > 0 && inlined < InlineRequests.MAX_INLINE_PER_ANSWER) {
                inlined++;
                budget -= InlineRequests.jsonBytesAtMost(candidate);
                batch.add(candidate);
            } else {
                batch.add(PendingRequest.toRead(candidate.id()));
            }
        }
        return batch;
    }

    private static int answerBytes(List<PendingRequest> entries) {
        return utf8Length(new PendingRequests(entries).toJson());
    }

    private static int utf8Length(String text) {
        return text.getBytes(UTF_8).length;
    }

    private static String rangeOf(int first, int last) {
        StringBuilder chars = new StringBuilder();
        for (int c = first; c <= last; c++) {
            chars.append((char) c);
        }
        return chars.toString();
    }

    private static String shuffledLatin1(int length) {
        java.util.Random random = new java.util.Random(42);
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = (char) random.nextInt(0x100);
        }
        return new String(chars);
    }

    private static String describe(PendingRequest entry) {
        String message = entry.message();
        String shown = message.length() > 40 ? message.substring(0, 40) + "... (" + message.length() + " chars)" : message;
        return "id " + entry.id() + ", user " + (entry.userId() == null ? null : Arrays.toString(entry.userId().chars().toArray()))
                + ", message " + Arrays.toString(shown.chars().limit(60).toArray());
    }
}
