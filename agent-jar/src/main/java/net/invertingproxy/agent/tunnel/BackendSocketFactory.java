package net.invertingproxy.agent.tunnel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.http.BackgroundRefreshingDnsResolver;

import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.ssl.SSLContexts;

/**
 * Opens blocking sockets to the backend for tunnelled connections, plain or TLS as {@code -scheme}
 * says, with {@code -backend-timeout} for connecting and for each read until the caller lifts it.
 * TLS trusts what the backend's HttpClient trusts (the JDK's default trust store) and checks the
 * host name the same way, so a tunnel is no weaker than an ordinary request.
 */
public final class BackendSocketFactory {
    private static final int DEFAULT_HTTP_PORT = 80;
    private static final int DEFAULT_HTTPS_PORT = 443;

    private final HttpHost backend;
    private final boolean tls;
    private final int timeoutMillis;
    // One context for all tunnels, so TLS sessions can be resumed; null for plain HTTP.
    private final SSLSocketFactory tlsSockets;

    /** Sockets to the backend named by {@code -host} and {@code -scheme}. */
    public BackendSocketFactory(AgentConfig config) {
        this.backend = config.backendHost();
        this.tls = "https".equals(config.scheme());
        this.timeoutMillis = millis(config.backendTimeout());
        this.tlsSockets = tls ? SSLContexts.createDefault().getSocketFactory() : null;
    }

    /** The backend as {@code host:port}, for messages. */
    public String backendName() {
        return backend.toHostString();
    }

    /**
     * A connected socket (TLS handshake done) whose reads time out after {@code -backend-timeout};
     * a connection that takes longer is a {@link ConnectTimeoutException}, like HttpClient's.
     */
    public Socket connect() throws IOException {
        InetAddress[] addresses = BackgroundRefreshingDnsResolver.SHARED.resolve(backend.getHostName());
        int port = backend.getPort() > 0 ? backend.getPort() : tls ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT;
        IOException last = null;
        // As HttpClient does: each address in turn until one takes the connection.
        for (InetAddress address : addresses) {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(timeoutMillis);
                socket.connect(new InetSocketAddress(address, port), timeoutMillis);
                return tls ? startTls(socket, port) : socket;
            } catch (SocketTimeoutException e) {
                socket.close();
                last = new ConnectTimeoutException("connecting to " + backend.toHostString() + " timed out");
            } catch (IOException | RuntimeException e) {
                socket.close();
                if (e instanceof RuntimeException) {
                    throw (RuntimeException) e;
                }
                last = (IOException) e;
            }
        }
        throw last;
    }

    private SSLSocket startTls(Socket plain, int port) throws IOException {
        SSLSocket socket = (SSLSocket) tlsSockets.createSocket(plain, backend.getHostName(), port, true);
        try {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            // The handshake is HTTP/1.1; a backend offering h2 in ALPN must not be taken up on it.
            parameters.setApplicationProtocols(new String[] {"http/1.1"});
            if (!isAddressLiteral(backend.getHostName())) {
                parameters.setServerNames(List.of(new SNIHostName(backend.getHostName())));
            }
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static boolean isAddressLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
    }

    private static int millis(Duration timeout) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    }
}
