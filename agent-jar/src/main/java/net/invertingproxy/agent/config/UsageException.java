package net.invertingproxy.agent.config;

/**
 * The command line cannot be used: an unknown flag, a bad value or a missing required flag, with a
 * one-line message; or the user asked for help, which is not an error.
 */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean helpRequested;

    private UsageException(String message, boolean helpRequested) {
        super(message);
        this.helpRequested = helpRequested;
    }

    /** A command line that cannot be used, with a one-line reason. */
    public static UsageException invalid(String message) {
        return new UsageException(message, false);
    }

    /** The user asked for {@code -help}, {@code --help} or {@code -h}. */
    public static UsageException helpRequested() {
        return new UsageException("help requested", true);
    }

    /** Whether this is a request for help (exit 0) rather than a mistake (exit 2). */
    public boolean isHelpRequested() {
        return helpRequested;
    }
}
