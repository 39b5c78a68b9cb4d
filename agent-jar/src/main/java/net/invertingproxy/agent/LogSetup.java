package net.invertingproxy.agent;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.invertingproxy.logging.RedactingFormatter;
import net.invertingproxy.logging.SecretSafeLogging;

/** Sets up java.util.logging for the command line: one line per record on standard error. */
final class LogSetup {
    /** Timestamp, level, logger and message on one line; a stack trace follows only when one is logged (debug). */
    static final String FORMAT = "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n";
    private static final String FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";
    private static final String MANAGER_PROPERTY = "java.util.logging.manager";

    private LogSetup() {
    }

    /** Must run before anything touches java.util.logging: these properties are read once. */
    static void prepare() {
        if (System.getProperty(MANAGER_PROPERTY) == null) {
            System.setProperty(MANAGER_PROPERTY, ShutdownSafeLogManager.class.getName());
        }
        if (System.getProperty(FORMAT_PROPERTY) == null) {
            System.setProperty(FORMAT_PROPERTY, FORMAT);
        }
    }

    /** Replaces the root handlers with one console handler; {@code -debug} levels are set by {@link Agent#start}. */
    static void configure() {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(Level.ALL);
        // Library debug logs (HttpClient's header and wire logs) print credentials; no level may show them.
        console.setFormatter(new RedactingFormatter());
        root.addHandler(console);
        root.setLevel(Level.INFO);
        SecretSafeLogging.capRawByteLoggers();
    }

    /** Flushes what was logged, before the JVM halts. */
    static void flush() {
        for (Handler handler : Logger.getLogger("").getHandlers()) {
            handler.flush();
        }
    }
}
