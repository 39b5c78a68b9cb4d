package net.invertingproxy.agent.tunnel;

import java.io.IOException;

/**
 * What a {@link WebSocketTunnel} tells the exchange that carries it: how the request read is to be
 * released, and how the answer side ended. Exactly one of {@link #backendFailed}, {@link #posted}
 * and {@link #postFailed} is called, once.
 */
public interface TunnelListener {
    /** The client's bytes ended cleanly: the request read was read to its end and may be reused. */
    void clientFinished();

    /**
     * The request read is given up unfinished (it broke, or the tunnel ends without it), which also
     * breaks off a read in progress; may come from any thread, and more than once.
     */
    void clientAbandoned();

    /** The backend could not be reached or sent no valid response head in time; nothing was posted. */
    void backendFailed(IOException failure);

    /** The post of the backend's answer, whose status was {@code status}, ended and the proxy took it. */
    void posted(int status);

    /**
     * The post of the backend's answer of {@code status} failed: {@code failure} says how, or is
     * null when the tunnel cut the post itself (a side broke, which it has reported, or it was
     * aborted); {@code headSent} says whether the response head had left for the proxy.
     */
    void postFailed(int status, Exception failure, boolean headSent);
}
