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
 * logging configuration asks, since a byte dump cut at any point defeats redaction.
 */
public final class SecretSafeLogging {
    // HttpClient's wire log prints every byte sent and received, cut into the buffers it read.
    private static final List<String> RAW_BYTE_LOGGERS = List.of("org.apache.hc.client5.http.wire");
    // Held, so the levels survive garbage collection of the loggers.
    private static final List<Logger> CAPPED = RAW_BYTE_LOGGERS.stream().map(Logger::getLogger).toList();

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

    /** Keeps the raw-byte loggers at INFO or above (they log their bytes at debug levels only). */
    public static void capRawByteLoggers() {
        for (Logger logger : CAPPED) {
            Level level = logger.getLevel();
            if (level == null || level.intValue() < Level.INFO.intValue()) {
                logger.setLevel(Level.INFO);
            }
        }
    }
}
