package net.invertingproxy.proxy.standalone;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Holds every request without a time limit, like the proxy's long poll, until {@link DrainPublishingListener}'s drain answers it. */
public final class ParkingServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    /** The requests held now; a test waits on it to know a request is parked. */
    static final BlockingQueue<AsyncContext> PARKED = new LinkedBlockingQueue<>();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        PARKED.add(async);
    }
}
