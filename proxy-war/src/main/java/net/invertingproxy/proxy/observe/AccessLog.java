package net.invertingproxy.proxy.observe;

import java.lang.System.Logger.Level;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes one line per exchange to the logger {@value #LOGGER_NAME} at INFO, through whatever
 * logging the container uses (JULI on Tomcat, java.util.logging standalone). The line is logfmt:
 * {@code backend=default method=GET path=/api/items status=200 outcome=ANSWERED bytes_in=0
 * bytes_out=512 wait_ms=3 total_ms=9 backend_ms=2 agent=10.0.3.7 reason=""}.
 */
public final class AccessLog implements ExchangeListener, AutoCloseable {
    /** The logger name, so operators can route or silence the access log on its own. */
    public static final String LOGGER_NAME = "net.invertingproxy.access";
    /** Lines waiting to be written; beyond it lines are dropped (and counted), never blocking a request. */
    static final int MAX_PENDING_LINES = 10_000;

    private final System.Logger logger = System.getLogger(LOGGER_NAME);
    private final BlockingQueue<String> pending = new ArrayBlockingQueue<>(MAX_PENDING_LINES);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer = new Thread(this::writeLines, "inverting-proxy-access-log");

    /** Starts the writer thread. */
    public AccessLog() {
        writer.setDaemon(true);
        writer.start();
    }

    // Console handlers write and flush under a lock: done on request threads, one slow stderr
    // made every exchange wait in line. One writer thread takes that cost off the exchanges.
    @Override
    public void exchangeEnded(ExchangeSummary summary) {
        if (logger.isLoggable(Level.INFO) && !pending.offer(format(summary))) {
            dropped.incrementAndGet();
        }
    }

    @Override
    public void close() {
        writer.interrupt();
    }

    private void writeLines() {
        try {
            while (true) {
                String line = pending.take();
                long lost = dropped.getAndSet(0);
                if (lost > 0) {
                    logger.log(Level.WARNING, "access log fell behind: " + lost + " lines dropped");
                }
                logger.log(Level.INFO, line);
            }
        } catch (InterruptedException e) {
            String line;
            while ((line = pending.poll()) != null) {
                logger.log(Level.INFO, line);
            }
        }
    }

    /** The log line for one exchange. */
    static String format(ExchangeSummary summary) {
        return "backend=" + token(summary.backendId())
                + " method=" + token(summary.method())
                + " path=" + token(summary.path())
                + " status=" + summary.status()
                + " outcome=" + summary.outcome()
                + " bytes_in=" + summary.bytesIn()
                + " bytes_out=" + summary.bytesOut()
                + " wait_ms=" + summary.waited().toMillis()
                + " total_ms=" + summary.total().toMillis()
                + " backend_ms=" + (summary.backendTime() == null ? "-" : Long.toString(summary.backendTime().toMillis()))
                + " agent=" + token(summary.agentAddress())
                + " reason=" + quoted(summary.reason());
    }

    // Paths come from clients: anything that could break the line apart or forge a field is escaped.
    private static String token(String value) {
        if (value == null || value.isEmpty()) {
            return "-";
        }
        StringBuilder escaped = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c <= ' ' || c == '"' || c == '\\' || c == 0x7f) {
                escaped.append(String.format("\\x%02x", (int) c));
            } else {
                escaped.append(c);
            }
        }
        return escaped.toString();
    }

    private static String quoted(String value) {
        if (value == null || value.isEmpty()) {
            return "\"\"";
        }
        return "\"" + token(value).replace("\\x20", " ") + "\"";
    }
}
