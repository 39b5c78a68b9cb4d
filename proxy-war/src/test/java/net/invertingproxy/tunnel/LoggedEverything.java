package net.invertingproxy.tunnel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import net.invertingproxy.logging.RedactingFormatter;
import net.invertingproxy.logging.SecretSafeLogging;

/**
 * Every log record of every logger in this JVM, at every level the executables allow, while open:
 * each kept as its message (before any redaction) and as the line {@link RedactingFormatter} makes of it.
 */
final class LoggedEverything extends Handler implements AutoCloseable {
    private static final String OWN_LOGGERS = "net.invertingproxy";
    private final Logger root = Logger.getLogger("");
    private final Level previousLevel = root.getLevel();
    private final SimpleFormatter plain = new SimpleFormatter();
    private final RedactingFormatter redacting = new RedactingFormatter();
    private final ConcurrentLinkedQueue<Line> lines = new ConcurrentLinkedQueue<>();

    private record Line(String logger, String raw, String formatted) {
    }

    private LoggedEverything() {
    }

    /** Turns every logger to its finest level and starts keeping what they log. */
    static LoggedEverything start() {
        LoggedEverything capture = new LoggedEverything();
        capture.setLevel(Level.ALL);
        capture.root.setLevel(Level.ALL);
        // As the executables do: loggers of raw bytes stay above debug whatever is asked.
        SecretSafeLogging.capRawByteLoggers();
        capture.root.addHandler(capture);
        return capture;
    }

    @Override
    public void publish(LogRecord record) {
        String name = record.getLoggerName() == null ? "" : record.getLoggerName();
        lines.add(new Line(name, plain.format(record), redacting.format(record)));
    }

    /** Lines of the project's own loggers, unredacted, that hold {@code secret}. */
    List<String> ownLinesHolding(String secret) {
        List<String> found = new ArrayList<>();
        for (Line line : lines) {
            if (line.logger().startsWith(OWN_LOGGERS) && line.raw().contains(secret)) {
                found.add(line.raw());
            }
        }
        return found;
    }

    /** How many lines of libraries' loggers held {@code secret} before redaction. */
    long thirdPartyLinesHolding(String secret) {
        return lines.stream().filter(l -> !l.logger().startsWith(OWN_LOGGERS) && l.raw().contains(secret)).count();
    }

    /** Lines, as the executables print them, that still hold {@code secret}. */
    List<String> formattedLinesHolding(String secret) {
        List<String> found = new ArrayList<>();
        for (Line line : lines) {
            if (line.formatted().contains(secret)) {
                found.add(line.formatted());
            }
        }
        return found;
    }

    /** Every line as the executables print it. */
    List<String> formattedLines() {
        return lines.stream().map(Line::formatted).toList();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
        root.setLevel(previousLevel);
    }
}
