package net.invertingproxy.proxy.registry;

/** A backend record that breaks a rule; the message names the field and the rule, in one line. */
public final class InvalidBackendException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** A violation described by {@code message}. */
    public InvalidBackendException(String message) {
        super(message);
    }
}
