package net.invertingproxy.proxy.standalone;

import java.util.concurrent.CompletableFuture;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.util.component.Graceful;

import net.invertingproxy.proxy.servlet.ProxyLifecycle;

/**
 * At the start of a graceful stop, runs the {@link Runnable} the web application keeps in the context attribute
 * {@value #ATTRIBUTE}, if any. Held long polls never finish on their own within the stop timeout: without this
 * they would hold every stop for the whole timeout and then be cut off.
 */
final class WebAppDrain implements Graceful {
    /** The context attribute naming what to run when a stop begins: a {@link Runnable}. */
    static final String ATTRIBUTE = ProxyLifecycle.DRAIN_ATTRIBUTE;

    private final WebAppContext webApp;
    private volatile boolean shutdown;

    WebAppDrain(WebAppContext webApp) {
        this.webApp = webApp;
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        shutdown = true;
        if (webApp.getServletContext().getAttribute(ATTRIBUTE) instanceof Runnable drain) {
            drain.run();
        }
        // Done at once: the GracefulHandler is what waits for the requests that the drain answered.
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }
}
