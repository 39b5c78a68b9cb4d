package net.invertingproxy.agent.discovery;

/**
 * Where a Cloud Map operation stands: Cloud Map answers {@code RegisterInstance} with an operation
 * ID before it has done the work, and only {@code GetOperation} says whether the work failed.
 *
 * @param status whether the operation is still running, done, or failed
 * @param error Cloud Map's error code and message for a failed one, else empty
 */
record OperationState(Status status, String error) {
    /** The three outcomes that matter here; Cloud Map's SUBMITTED counts as pending. */
    enum Status {
        /** Not finished yet. */
        PENDING,
        /** Done. */
        SUCCESS,
        /** Cloud Map gave up on it. */
        FAIL
    }
}
