package net.invertingproxy.proxy.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * How a parked client request is held and ended: suspended with {@code AsyncContext} (every
 * ordinary request), or on the thread that took it ({@link HeldCycle}, a WebSocket handshake).
 */
interface ClientCycle {
    HttpServletRequest request();

    HttpServletResponse response();

    /** Ends the request normally: its response is complete. */
    void complete();

    /** Has the client's connection broken, on a thread of the request, for the given reason. */
    void abort(String reason);
}
