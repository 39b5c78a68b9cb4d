package net.invertingproxy.proxy.admin;

/** A request body that is not the JSON object the call takes; the message is the 400's one-line reason. */
final class InvalidBodyException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidBodyException(String reason) {
        super(reason);
    }
}
