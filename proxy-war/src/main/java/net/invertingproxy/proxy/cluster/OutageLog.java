package net.invertingproxy.proxy.cluster;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Logs that a dependency went down once per outage and that it came back once, however often it is
 * called meanwhile: a refresher asking four times a second must not fill the log while Redis is down.
 */
final class OutageLog {
    private static final System.Logger LOG = System.getLogger(OutageLog.class.getName());

    private final String what;
    private final String meanwhile;
    private final AtomicBoolean down = new AtomicBoolean();

    /** A log of {@code what}; {@code meanwhile} says what the proxy does while it is down. */
    OutageLog(String what, String meanwhile) {
        this.what = what;
        this.meanwhile = meanwhile;
    }

    /**
     * A call failed for {@code reason}, one line that names the dependency; logged if it is the first
     * failure since the last success.
     */
    void failed(String reason) {
        if (down.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, reason + "; " + meanwhile);
        }
    }

    /** A call succeeded; logged if it ends an outage. */
    void succeeded() {
        if (down.compareAndSet(true, false)) {
            LOG.log(Level.INFO, what + " answers again");
        }
    }
}
