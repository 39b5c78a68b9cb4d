package net.invertingproxy.proxy.tunnel;

import java.io.IOException;
import java.lang.System.Logger.Level;

import jakarta.servlet.http.HttpUpgradeHandler;
import jakarta.servlet.http.WebConnection;

/**
 * Takes over a client connection the servlet switched with {@code HttpServletRequest.upgrade}:
 * the container calls {@link #init} once the {@code 101} has been sent and the connection is
 * ours, and {@link #destroy} when it is closed.
 */
public final class TunnelUpgradeHandler implements HttpUpgradeHandler {
    private static final System.Logger LOG = System.getLogger(TunnelUpgradeHandler.class.getName());

    private volatile UpgradeTunnel tunnel;

    /** Made by the container, which needs a public constructor without arguments. */
    public TunnelUpgradeHandler() {
        // The tunnel is attached right after the container made the handler, before init.
    }

    /** The tunnel this connection belongs to; set by the servlet before its service method returns. */
    public void attach(UpgradeTunnel attached) {
        this.tunnel = attached;
    }

    @Override
    public void init(WebConnection connection) {
        UpgradeTunnel attached = tunnel;
        if (attached == null) {
            // Cannot happen through our servlet; a connection nobody relays must not stay open.
            closeQuietly(connection);
            return;
        }
        try {
            attached.clientConnected(connection);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.INFO, "switching a client connection failed: {0}", e.toString());
            attached.fail("the client connection could not be switched: " + e.getMessage());
        }
    }

    @Override
    public void destroy() {
        UpgradeTunnel attached = tunnel;
        if (attached != null) {
            attached.clientClosed();
        }
    }

    private static void closeQuietly(WebConnection connection) {
        try {
            connection.close();
        } catch (Exception e) {
            // Already closed.
        }
    }
}
