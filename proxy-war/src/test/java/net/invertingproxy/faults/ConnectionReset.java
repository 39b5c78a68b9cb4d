package net.invertingproxy.faults;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;

import jakarta.servlet.http.HttpServletRequest;

import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;

/**
 * Resets the TCP connection a request arrived on (a close with SO_LINGER 0 sends RST), as a
 * backend that crashes or a middlebox that drops the connection would, from inside a
 * {@link net.invertingproxy.tunnel.TestBackend} behaviour running on Jetty.
 */
final class ConnectionReset {
    private ConnectionReset() {
    }

    /** Resets the connection of the request; whatever the behaviour writes afterwards fails. */
    static void reset(HttpServletRequest request) throws IOException {
        EndPoint endPoint = ServletContextRequest.getServletContextRequest(request)
                .getConnectionMetaData().getConnection().getEndPoint();
        if (!(endPoint instanceof SocketChannelEndPoint socketEndPoint)) {
            throw new IllegalStateException("not a plain socket connection: " + endPoint);
        }
        SocketChannel channel = socketEndPoint.getChannel();
        channel.setOption(StandardSocketOptions.SO_LINGER, 0);
        channel.close();
    }
}
