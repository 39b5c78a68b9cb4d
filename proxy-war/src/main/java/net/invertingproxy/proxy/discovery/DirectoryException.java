package net.invertingproxy.proxy.discovery;

/** A directory call that failed, with the kind of failure that decides how it is logged. */
public final class DirectoryException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as far as the caller's reaction differs. */
    public enum Kind {
        /** The service asked us to slow down. */
        THROTTLED("throttled"),
        /** The service (or namespace) does not exist. */
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

    /** A failure of the given kind; the message is the service's own. */
    public DirectoryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }
}
