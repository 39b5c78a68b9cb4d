package net.invertingproxy.logging;

import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Makes a process's java.util.logging output safe to keep: the root handlers format with
 * {@link RedactingFormatter}, and loggers that print raw network bytes stay at INFO whatever a
 * logging configuration asks, since a byte dump cut at any point defeats redaction; HttpClient's
 * cookie handling, which prints cookie values in formats of its own, stays above WARNING.
 */
public final class SecretSafeLogging {
    // HttpClient's wire log prints every byte sent and received, cut into the buffers it read.
    private static final List<String> RAW_BYTE_LOGGERS = List.of("org.apache.hc.client5.http.wire");
    // HttpClient's cookie handling prints cookie values ("Cookie accepted [name=\"value\"...]" at
    // debug, "Cookie rejected [...]" at WARN) in its own formats, not as headers the redactor knows.
    private static final List<String> COOKIE_LOGGERS = List.of(
            "org.apache.hc.client5.http.protocol.ResponseProcessCookies",
            "org.apache.hc.client5.http.protocol.RequestAddCookies");
    // Held, so the levels survive garbage collection of the loggers.
    private static final List<Logger> CAPPED = RAW_BYTE_LOGGERS.stream().map(Logger::getLogger).toList();
    private static final List<Logger> CAPPED_COOKIES = COOKIE_LOGGERS.stream().map(Logger::getLogger).toList();

    private SecretSafeLogging() {
    }

    /** Caps the raw-byte loggers and puts {@link RedactingFormatter} on every root handler using the JDK's plain one. */
    public static void install() {
        capRawByteLoggers();
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            Formatter formatter = handler.getFormatter();
            if (formatter == null || formatter.getClass() == SimpleFormatter.class) {
                handler.setFormatter(new RedactingFormatter());
            }
        }
    }

    /**
     * Keeps the raw-byte loggers at INFO or above (they log their bytes at debug levels only) and
     * HttpClient's cookie loggers at SEVERE or above (they log cookies at debug and WARN levels).
     */
    public static void capRawByteLoggers() {
        capAt(CAPPED, Level.INFO);
        capAt(CAPPED_COOKIES, Level.SEVERE);
    }

    private static void capAt(List<Logger> loggers, Level lowest) {
        for (Logger logger : loggers) {
            Level level = logger.getLevel();
            if (level == null || level.intValue() < lowest.intValue()) {
                logger.setLevel(lowest);
            }
        }
    }
}
