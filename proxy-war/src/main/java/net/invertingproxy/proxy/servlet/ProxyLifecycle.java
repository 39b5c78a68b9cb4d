package net.invertingproxy.proxy.servlet;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.config.ProxySettings;
import net.invertingproxy.proxy.metrics.ProxyMeters;
import net.invertingproxy.proxy.observe.AccessLog;

/** Starts the broker and its sweeper when the web application starts, and releases everything it holds when it stops. */
public final class ProxyLifecycle implements ServletContextListener {
    private static final System.Logger LOG = System.getLogger(ProxyLifecycle.class.getName());
    /**
     * Context attribute holding a {@link Runnable} that starts the drain; the embedded launcher runs
     * it before it stops the server, so held polls and waiting clients are answered at once.
     */
    public static final String DRAIN_ATTRIBUTE = "net.invertingproxy.proxy.drain";

    private static final long DRAIN_CHECK_MILLIS = 50;

    private ScheduledExecutorService sweeper;
    private Broker<ParkedClient> broker;
    private Duration drainTimeout;
    private ProxyMeters meters;
    private AccessLog accessLog;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        ProxySettings settings = ProxySettings.resolve(context::getInitParameter, System.getProperties(), System.getenv());
        broker = new Broker<>(settings, Clock.systemUTC());
        drainTimeout = settings.drainTimeout();
        meters = new ProxyMeters(broker);
        accessLog = new AccessLog();
        new ProxyComponents(settings, broker, new MessageReader(settings.maxHeaderBytes(), settings.maxHeaderCount()),
                new StreamingSlots(settings.maxStreamingExchanges()), List.of(accessLog, meters), meters)
                .storeIn(context);
        context.setAttribute(DRAIN_ATTRIBUTE, (Runnable) broker::shutdown);
        sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "inverting-proxy-sweeper");
            thread.setDaemon(true);
            return thread;
        });
        long interval = settings.sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(this::sweep, interval, interval, TimeUnit.MILLISECONDS);
        LOG.log(Level.INFO, "inverting-proxy ready at context ''{0}'': backend ''{1}'', poll hold {2} s,"
                        + " request timeout {3} s, queue bound {4}",
                context.getContextPath(), Broker.DEFAULT_BACKEND, settings.pollHold().toSeconds(),
                settings.requestTimeout().toSeconds(), settings.maxQueuedRequests());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        broker.shutdown();
        awaitDrained(drainTimeout);
        sweeper.shutdownNow();
        meters.close();
        accessLog.close();
    }

    // Containers keep serving requests already under way while a context stops; waiting here lets
    // streams started before the drain finish, and the sweeper still times out stuck ones.
    private void awaitDrained(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (broker.exchangeCount() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(DRAIN_CHECK_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = broker.exchangeCount();
        if (left > 0) {
            LOG.log(Level.WARNING, "drain timeout of {0} s reached with {1} exchanges unfinished",
                    timeout.toSeconds(), left);
        } else {
            LOG.log(Level.INFO, "drained: every exchange finished");
        }
    }

    // A failing sweep must not kill the scheduler, or every later timeout would be lost.
    private void sweep() {
        try {
            broker.sweep();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "sweep failed: " + e, e);
        }
    }
}
