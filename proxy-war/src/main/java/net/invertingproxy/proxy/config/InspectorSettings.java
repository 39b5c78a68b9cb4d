package net.invertingproxy.proxy.config;

import java.util.List;
import java.util.Locale;

/**
 * How much the request inspector keeps: the last {@code exchangesPerBackend} exchanges of each
 * backend within {@code maxBytes} in all, with the values of {@code redactedHeaders} (lower case)
 * hidden besides those that always are.
 *
 * @param exchangesPerBackend exchanges kept per backend
 * @param maxBytes what all kept exchanges may take, headers and body prefixes counted
 * @param redactedHeaders further header names shown as {@code [redacted]}, lower case
 */
public record InspectorSettings(int exchangesPerBackend, long maxBytes, List<String> redactedHeaders) {
    /** Copies and lower-cases the header names. */
    public InspectorSettings {
        redactedHeaders = redactedHeaders.stream().map(name -> name.trim().toLowerCase(Locale.ROOT))
                .filter(name -> !name.isEmpty()).toList();
    }
}
