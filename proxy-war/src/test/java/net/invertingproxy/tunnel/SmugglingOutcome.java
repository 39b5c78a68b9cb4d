package net.invertingproxy.tunnel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one {@link SmugglingCase} produced: the answers the client read, what followed them on its
 * connection, and every request the backend saw; {@link #violations()} judges it against the case.
 *
 * @param smugglingCase the case
 * @param statuses      the status of each answer read, in order
 * @param reasons       the first line of each answer's body (or its reason phrase), in order
 * @param noAnswer      why no (further) answer could be read when one was due, else null
 * @param early         bytes that arrived while the client paused mid-request, else empty
 * @param extra         bytes that followed the answers due, else empty
 * @param afterwards    how the connection ended up once the answers were read
 * @param seen          every request the backend saw for the case, in order
 */
public record SmugglingOutcome(SmugglingCase smugglingCase, List<Integer> statuses, List<String> reasons, String noAnswer, String early,
                              String extra, Afterwards afterwards, List<RequestRecorder.Seen> seen) {
    /** The state of the client's connection after the answers. */
    public enum Afterwards {
        /** The proxy closed (or reset) it. */
        CLOSED,
        /** It stayed open, and a plain request on it got a normal answer. */
        USABLE,
        /** It stayed open, but a plain request on it did not get a normal answer. */
        BROKEN
    }

    /** Everything about the outcome that breaks the case's rules; empty when it passes. */
    public List<String> violations() {
        List<String> violations = new ArrayList<>();
        for (RequestRecorder.Seen request : seen) {
            if (request.target().startsWith(SmugglingCases.SMUGGLED_TARGET)) {
                violations.add("the hidden request reached the backend: " + request.summary());
            }
            for (Map.Entry<String, String> header : request.headers()) {
                if (hasControlCharacter(header.getKey()) || hasControlCharacter(header.getValue())) {
                    violations.add("a header with a control character reached the backend: " + header);
                }
            }
        }
        if (!early.isEmpty()) {
            violations.add("answered before the request was complete: " + early);
        }
        if (!extra.isEmpty()) {
            violations.add("more answers than requests: " + extra);
        }
        if (afterwards == Afterwards.BROKEN) {
            violations.add("the connection stayed open but did not serve the next request");
        }
        SmugglingCase expected = smugglingCase;
        if (statuses.size() != expected.answersExpected()) {
            violations.add("expected " + expected.answersExpected() + " answer(s), got " + statuses
                    + (noAnswer == null ? "" : "; then " + noAnswer));
        }
        if (expected.verdict() != SmugglingCase.Verdict.FORWARDED && expected.tolerated() != null
                && !statuses.isEmpty() && statuses.stream().allMatch(status -> status / 100 == 2)) {
            checkTolerated(expected.tolerated(), violations);
            return violations;
        }
        switch (expected.verdict()) {
            case FORWARDED -> {
                if (!statuses.stream().allMatch(status -> status / 100 == 2)) {
                    violations.add("expected 2xx answers, got " + statuses);
                }
                if (!summaries().equals(expected.forwardedAs())) {
                    violations.add("the backend should have seen " + expected.forwardedAs() + " but saw " + summaries());
                }
            }
            case REJECTED -> {
                checkRefusal(violations);
                if (!seen.isEmpty()) {
                    violations.add("a refused request reached the backend: " + summaries());
                }
            }
            case REJECTED_IN_BODY -> {
                checkRefusal(violations);
                seen.stream().filter(RequestRecorder.Seen::complete).forEach(request ->
                        violations.add("a refused request reached the backend whole: " + request.summary()));
            }
            default -> throw new IllegalStateException(expected.verdict().toString());
        }
        return violations;
    }

    /** One line for the report: {@code SMUGGLING | where | case | client's side | backend's side | reasons}. */
    public String reportLine(String where) {
        return "SMUGGLING | " + where + " | " + smugglingCase.name() + " | " + answerCell() + " | " + backendCell()
                + " | " + reasons;
    }

    /** The client's side for the report, e.g. {@code 400, closed}. */
    public String answerCell() {
        String answers = statuses.isEmpty() ? "no answer" : statuses.stream().map(String::valueOf)
                .collect(Collectors.joining(" "));
        return answers + ", " + afterwards.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The backend's side for the report: every request it saw, or {@code none}. */
    public String backendCell() {
        return seen.isEmpty() ? "none" : String.join("; ", summaries());
    }

    private List<String> summaries() {
        return seen.stream().map(RequestRecorder.Seen::summary).toList();
    }

    private void checkTolerated(SmugglingCase.Tolerance tolerance, List<String> violations) {
        if (!summaries().equals(tolerance.forwardedAs())) {
            violations.add("taken as allowed by " + tolerance.rule() + ", the backend should have seen "
                    + tolerance.forwardedAs() + " but saw " + summaries());
        }
        if (tolerance.thenClosed() && afterwards != Afterwards.CLOSED) {
            violations.add("taken as allowed by " + tolerance.rule() + ", but the connection was not closed");
        }
    }

    // RFC 9110 section 15.5: 4xx is the client's error; 501 is what RFC 9112 section 6.1 gives an
    // unknown transfer coding.
    private void checkRefusal(List<String> violations) {
        if (!statuses.stream().allMatch(status -> status / 100 == 4 || status == 501)) {
            violations.add("expected a 4xx (or 501) answer, got " + statuses);
        }
    }

    // RFC 9110 section 5.5: no CTL but HTAB belongs in a field.
    private static boolean hasControlCharacter(String text) {
        return text.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7F);
    }
}
