package net.invertingproxy.agent;

import java.util.logging.LogManager;

/**
 * The JDK's log manager, except that its own shutdown hook does not remove every handler: the
 * agent's shutdown hook runs at the same time and must still be able to log while requests in
 * flight finish. Installed by {@link AgentMain} through {@code java.util.logging.manager}; public
 * because {@link LogManager} instantiates it by reflection.
 */
public final class ShutdownSafeLogManager extends LogManager {
    // The JDK's hook is the private thread class LogManager$Cleaner, which calls reset() on exit.
    private static final String JDK_CLEANER_PREFIX = LogManager.class.getName() + "$";

    /** Called by {@link LogManager} when it reads {@code java.util.logging.manager}. */
    public ShutdownSafeLogManager() {
        super();
    }

    @Override
    public void reset() {
        if (Thread.currentThread().getClass().getName().startsWith(JDK_CLEANER_PREFIX)) {
            return;
        }
        super.reset();
    }
}
