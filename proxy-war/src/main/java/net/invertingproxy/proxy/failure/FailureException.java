package net.invertingproxy.proxy.failure;

/** Thrown where a call cannot go on; carries the {@link Failure} that decides the status, and a detail. */
public class FailureException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Failure failure;

    /** Creates the exception for a failure with the failure's own reason. */
    public FailureException(Failure failure) {
        this(failure, failure.reason());
    }

    /** Creates the exception for a failure with a more specific one-line reason. */
    public FailureException(Failure failure, String reason) {
        super(reason, null, false, false);
        this.failure = failure;
    }

    /** The failure, which decides the status. */
    public Failure failure() {
        return failure;
    }

    /** The status to answer with. */
    public int status() {
        return failure.status();
    }
}
