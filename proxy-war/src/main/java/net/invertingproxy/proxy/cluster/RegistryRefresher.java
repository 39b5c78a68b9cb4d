package net.invertingproxy.proxy.cluster;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import net.invertingproxy.proxy.registry.BackendRegistry;
import net.invertingproxy.proxy.registry.RegistryUnavailableException;

/**
 * Calls {@link BackendRegistry#refresh()} at a fixed interval on a daemon thread of its own, so that
 * a change stored by another instance is served here within that interval.
 */
public final class RegistryRefresher implements AutoCloseable {
    /** How often the stored version is compared; a change reaches every instance within it. */
    public static final Duration INTERVAL = Duration.ofMillis(250);
    private static final System.Logger LOG = System.getLogger(RegistryRefresher.class.getName());

    private final BackendRegistry registry;
    private final ScheduledExecutorService timer;
    // The fault last logged, so a registry that stays broken is logged once, not four times a second.
    private String lastFault;

    private RegistryRefresher(BackendRegistry registry) {
        this.registry = registry;
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "inverting-proxy-registry-refresher");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts refreshing {@code registry} every {@code interval}. */
    public static RegistryRefresher start(BackendRegistry registry, Duration interval) {
        RegistryRefresher refresher = new RegistryRefresher(Objects.requireNonNull(registry, "registry"));
        long millis = interval.toMillis();
        refresher.timer.scheduleWithFixedDelay(refresher::refreshOnce, millis, millis, TimeUnit.MILLISECONDS);
        return refresher;
    }

    // A failing round must not end the schedule, or no later change would ever be seen.
    private void refreshOnce() {
        try {
            registry.refresh();
            lastFault = null;
        } catch (RegistryUnavailableException e) {
            // The store logs an outage once and its end once; nothing to add four times a second.
        } catch (IOException | RuntimeException e) {
            String fault = String.valueOf(e.getMessage());
            if (!fault.equals(lastFault)) {
                LOG.log(Level.ERROR, "refreshing the backend registry failed, serving the last copy: " + fault);
                lastFault = fault;
            }
        }
    }

    /** Stops refreshing, waiting briefly for a refresh under way. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
