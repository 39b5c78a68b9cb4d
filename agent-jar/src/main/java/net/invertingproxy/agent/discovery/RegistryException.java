package net.invertingproxy.agent.discovery;

/** A Cloud Map call that failed, with the kind of failure that decides how it is logged. */
public final class RegistryException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as far as it is logged apart. */
    public enum Kind {
        /** Cloud Map asked us to slow down. */
        THROTTLED("throttled"),
        /** The service or namespace does not exist. */
        NOT_FOUND("not found"),
        /** The credentials lack the permission, or are missing or invalid. */
        ACCESS_DENIED("access denied"),
        /** The endpoint could not be reached or did not answer in time. */
        UNREACHABLE("unreachable"),
        /** Anything else. */
        OTHER("failed");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        /** The kind as it appears in log lines. */
        public String text() {
            return text;
        }
    }

    private final Kind kind;

    /** A failure of the given kind. */
    public RegistryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }
}
