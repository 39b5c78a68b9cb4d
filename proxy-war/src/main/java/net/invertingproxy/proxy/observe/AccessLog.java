package net.invertingproxy.proxy.observe;

import java.lang.System.Logger.Level;

/**
 * Writes one line per exchange to the logger {@value #LOGGER_NAME} at INFO, through whatever
 * logging the container uses (JULI on Tomcat, java.util.logging standalone). The line is logfmt:
 * {@code backend=default method=GET path=/api/items status=200 outcome=ANSWERED bytes_in=0
 * bytes_out=512 wait_ms=3 total_ms=9 backend_ms=2 agent=10.0.3.7 reason=""}.
 */
public final class AccessLog implements ExchangeListener {
    /** The logger name, so operators can route or silence the access log on its own. */
    public static final String LOGGER_NAME = "net.invertingproxy.access";

    private final System.Logger logger = System.getLogger(LOGGER_NAME);

    @Override
    public void exchangeEnded(ExchangeSummary summary) {
        if (logger.isLoggable(Level.INFO)) {
            logger.log(Level.INFO, format(summary));
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
