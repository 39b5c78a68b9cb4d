package net.invertingproxy.agent.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written as Go's {@code time.ParseDuration} reads them ({@code 60s}, {@code 1m30s},
 * {@code 500ms}, {@code 1.5h}), so the Go agent's command lines work unchanged.
 */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)");
    private static final Map<String, Long> NANOS_PER_UNIT = Map.of(
            "ns", 1L, "us", 1_000L, "\u00b5s", 1_000L, "\u03bcs", 1_000L, "ms", 1_000_000L,
            "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);

    private GoDuration() {
    }

    /** Parses a Go duration; throws {@link IllegalArgumentException} with a one-line reason if it is not one. */
    public static Duration parse(String text) {
        String rest = text.strip();
        boolean negative = rest.startsWith("-");
        if (negative || rest.startsWith("+")) {
            rest = rest.substring(1);
        }
        // As in Go, a bare zero is the only number allowed without a unit.
        if (rest.equals("0")) {
            return Duration.ZERO;
        }
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\"");
        }
        Matcher matcher = PART.matcher(rest);
        BigDecimal nanos = BigDecimal.ZERO;
        int position = 0;
        while (position < rest.length()) {
            matcher.region(position, rest.length());
            if (!matcher.lookingAt()) {
                throw new IllegalArgumentException("invalid duration \"" + text + "\" (use a unit: ns, us, ms, s, m, h)");
            }
            BigDecimal unit = BigDecimal.valueOf(NANOS_PER_UNIT.get(matcher.group(2)));
            nanos = nanos.add(new BigDecimal(matcher.group(1)).multiply(unit));
            position = matcher.end();
        }
        // Go limits durations to about 290 years; so does Duration.ofNanos.
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("duration \"" + text + "\" is too long");
        }
        long whole = nanos.longValue();
        return Duration.ofNanos(negative ? -whole : whole);
    }

    /** Writes a duration the way Go prints it: {@code 50s}, {@code 1m30s}, {@code 500ms}, {@code 1.5s}. */
    public static String format(Duration duration) {
        if (duration.isZero()) {
            return "0s";
        }
        if (duration.isNegative()) {
            return "-" + format(duration.negated());
        }
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            return subSecond(duration.toNanos());
        }
        StringBuilder text = new StringBuilder();
        long hours = duration.toHours();
        int minutes = duration.toMinutesPart();
        if (hours > 0) {
            text.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            text.append(minutes).append('m');
        }
        BigDecimal seconds = BigDecimal.valueOf(duration.toSecondsPart())
                .add(BigDecimal.valueOf(duration.toNanosPart(), 9)).stripTrailingZeros();
        return text.append(seconds.toPlainString()).append('s').toString();
    }

    private static String subSecond(long nanos) {
        if (nanos % 1_000_000 == 0) {
            return nanos / 1_000_000 + "ms";
        }
        if (nanos >= 1_000_000) {
            return BigDecimal.valueOf(nanos, 6).stripTrailingZeros().toPlainString() + "ms";
        }
        if (nanos >= 1_000) {
            return BigDecimal.valueOf(nanos, 3).stripTrailingZeros().toPlainString() + "\u00b5s";
        }
        return nanos + "ns";
    }
}
