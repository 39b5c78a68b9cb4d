package net.invertingproxy.logging;

import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * The JDK's one-line {@link SimpleFormatter} with {@link SecretRedactor} applied to each formatted
 * record, stack trace included; installed on the console handler of the agent and of the
 * standalone proxy, so that no level of any logger prints a credential.
 */
public final class RedactingFormatter extends SimpleFormatter {
    @Override
    public String format(LogRecord record) {
        return SecretRedactor.redact(super.format(record));
    }
}
