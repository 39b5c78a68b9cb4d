package net.invertingproxy.proxy.registry;

/**
 * What the dashboard's request inspector keeps of a backend's exchanges: with {@code enabled},
 * their heads (credential headers redacted), and the first {@code bodyBytes} of each body, none by
 * default, since bodies may hold personal data.
 *
 * @param enabled whether the backend's exchanges are kept at all
 * @param bodyBytes how many bytes of each request and response body are kept, 0 for none
 */
public record Inspection(boolean enabled, int bodyBytes) {
    /** Heads kept, bodies not: the default. */
    public static final Inspection HEADS_ONLY = new Inspection(true, 0);
    /** The most of each body kept: enough to read a JSON answer, bounded for memory. */
    public static final int MAX_BODY_BYTES = 65_536;

    /** Checks the body bound. */
    public Inspection {
        if (bodyBytes < 0 || bodyBytes > MAX_BODY_BYTES) {
            throw new InvalidBackendException("inspector.bodyBytes must be 0 (none) to " + MAX_BODY_BYTES + ", got "
                    + bodyBytes);
        }
    }
}
