package net.invertingproxy.proxy.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/** Publishes a drain that answers every request {@link ParkingServlet} holds with {@code drained}. */
public final class DrainPublishingListener implements ServletContextListener {
    @Override
    public void contextInitialized(ServletContextEvent event) {
        Runnable drain = () -> {
            for (AsyncContext async = ParkingServlet.PARKED.poll(); async != null; async = ParkingServlet.PARKED.poll()) {
                try {
                    async.getResponse().getWriter().print("drained");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                async.complete();
            }
        };
        event.getServletContext().setAttribute(WebAppDrain.ATTRIBUTE, drain);
    }
}
