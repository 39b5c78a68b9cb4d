package net.invertingproxy.proxy.discovery;

import java.lang.System.Logger.Level;
import java.util.EnumSet;
import java.util.Set;

/**
 * Logs the first directory failure of each kind as a warning and the later ones at debug level: a
 * Cloud Map outage or a missing permission otherwise writes a line on every retry.
 */
final class FailureLog {
    private final System.Logger log;
    private final Set<DirectoryException.Kind> reported = EnumSet.noneOf(DirectoryException.Kind.class);

    FailureLog(System.Logger log) {
        this.log = log;
    }

    /** Logs one failed call, e.g. {@code "register"} of instance {@code billing}. */
    synchronized void failed(String action, String instanceId, DirectoryException e, long retryMillis) {
        boolean first = reported.add(e.kind());
        String line = "Cloud Map " + action + " of instance '" + instanceId + "' " + e.kind().text() + ": "
                + e.getMessage() + "; retrying in " + retryMillis + " ms"
                + (first ? " (further '" + e.kind().text() + "' failures are logged at debug level)" : "");
        log.log(first ? Level.WARNING : Level.DEBUG, line);
    }
}
