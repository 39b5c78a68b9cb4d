package net.invertingproxy.proxy.registry;

/** A registry change that conflicts with what is stored (an ID taken or missing, the registry full). */
public final class RegistryConflictException extends Exception {
    private static final long serialVersionUID = 1L;

    /** A conflict described in one line. */
    public RegistryConflictException(String message) {
        super(message);
    }
}
