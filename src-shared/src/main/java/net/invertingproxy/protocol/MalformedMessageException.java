package net.invertingproxy.protocol;

import java.io.IOException;

/** A peer sent bytes that are not a valid wire-protocol message (as opposed to vanishing mid-message). */
public class MalformedMessageException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a one-line reason. */
    public MalformedMessageException(String reason) {
        super(reason);
    }

    /** Creates the exception with a one-line reason and its cause. */
    public MalformedMessageException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
