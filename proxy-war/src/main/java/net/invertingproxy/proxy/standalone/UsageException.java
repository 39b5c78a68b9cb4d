package net.invertingproxy.proxy.standalone;

/** The command line cannot be used as given; the message says why in one line, without the {@code error:} prefix. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
