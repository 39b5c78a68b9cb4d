package net.invertingproxy.proxy.standalone;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** The proxy web application running on an embedded Jetty 12 (ee10) server, at context path {@code /}. */
public final class EmbeddedProxy implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddedProxy.class.getName());
    /** Connections the kernel completes and queues for the acceptor; see {@link #newConnector}. */
    private static final int ACCEPT_QUEUE_SIZE = 1024;

    private final Server server;
    private final ServerConnector connector;
    private final String host;
    private final WebAppDrain drain;

    private EmbeddedProxy(Server server, ServerConnector connector, String host, WebAppDrain drain) {
        this.server = server;
        this.connector = connector;
        this.host = host;
        this.drain = drain;
    }

    /** Starts a server with these options; fails if the port cannot be bound or the web application does not start. */
    public static EmbeddedProxy start(Options options) throws Exception {
        Server server = new Server(new QueuedThreadPool(options.maxThreads()));
        server.setStopTimeout(options.stopTimeout().toMillis());
        ServerConnector connector = newConnector(server, options);
        server.addConnector(connector);
        SettingsWebAppContext webApp = newWebApp(options);
        // Without it, stopping cuts requests in flight at once whatever the stop timeout says.
        server.setHandler(new GracefulHandler(webApp));
        WebAppDrain drain = new WebAppDrain(webApp);
        server.addBean(drain);
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly(server, e);
            throw e;
        }
        return new EmbeddedProxy(server, connector, options.host(), drain);
    }

    /** The Jetty release this server runs, such as {@code 12.1.12}. */
    public static String jettyVersion() {
        return Server.getVersion();
    }

    /**
     * Starts draining while still serving: readiness turns 503, new client requests get 503 and
     * agents are sent elsewhere, while exchanges under way go on. A stop does this first anyway.
     */
    public void startDrain() {
        drain.shutdown();
    }

    /** The port actually bound, which differs from the one asked for when that was 0. */
    public int port() {
        return connector.getLocalPort();
    }

    /** Where the web application answers, such as {@code http://127.0.0.1:8080/}; the bind address as given. */
    public URI baseUri() {
        String uriHost = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + uriHost + ":" + port() + "/");
    }

    /** Blocks until the server has stopped. */
    public void join() throws InterruptedException {
        server.join();
    }

    /** Stops taking connections, lets requests in flight finish within the stop timeout, then stops; idempotent. */
    public void stop() {
        try {
            server.stop();
        } catch (TimeoutException e) {
            // The server did stop; only the requests still running at the deadline were cut off.
            LOG.log(System.Logger.Level.WARNING, "stop timeout elapsed: requests still in flight were cut off");
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the embedded server", e);
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    private static ServerConnector newConnector(Server server, Options options) {
        HttpConfiguration http = new HttpConfiguration();
        // The proxy answers for the backend: it should not advertise the container it runs on.
        http.setSendServerVersion(false);
        http.setRequestHeaderSize(options.maxHeaderBytes());
        // A backend's headers (large cookies) must fit as well as they fit the agent's message.
        http.setResponseHeaderSize(options.maxHeaderBytes());
        // Targets are forwarded byte for byte, so encoded slashes and dots (GitLab project paths,
        // object keys) must reach the backend instead of being refused here; the proxy itself
        // routes on nothing but its own few exact paths.
        http.setUriCompliance(UriCompliance.UNSAFE);
        HttpConnectionFactory http1 = new HttpConnectionFactory(http);
        http1.setInputBufferSize(64 * 1024);
        ServerConnector connector = new ServerConnector(server, http1);
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setIdleTimeout(options.idleTimeout().toMillis());
        // Jetty's default (0) leaves the JDK's backlog of 50: a burst of new connections (thousands
        // of clients at once, a load balancer opening its pool) overflows it, the kernel drops their
        // SYNs, and each such client waits a second or more for its retransmission. The same queue
        // as tomcat-config's acceptCount (the kernel caps it at net.core.somaxconn).
        connector.setAcceptQueueSize(ACCEPT_QUEUE_SIZE);
        return connector;
    }

    private static SettingsWebAppContext newWebApp(Options options) {
        SettingsWebAppContext webApp = new SettingsWebAppContext(options.initParameters());
        webApp.setContextPath("/");
        webApp.setBaseResourceAsPath(options.webappDir());
        // The classes are already on the launcher's (or the test's) class path: load them once, from there.
        webApp.setParentLoaderPriority(true);
        // Servlet path lookups must not fail for the ambiguous targets let through above.
        webApp.getServletHandler().setDecodeAmbiguousURIs(true);
        // By default Jetty starts anyway and answers 503 forever; a broken web application must fail the start.
        webApp.setThrowUnavailableOnStartupException(true);
        // Jetty's ee10 error pages print stack traces by default; a public proxy must not show its internals.
        ErrorPageErrorHandler errorPages = new ErrorPageErrorHandler();
        errorPages.setShowStacks(false);
        webApp.setErrorHandler(errorPages);
        return webApp;
    }

    private static void stopQuietly(Server server, Exception cause) {
        try {
            server.stop();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }

    /**
     * How to run the embedded proxy; immutable, changed through the {@code with} methods.
     *
     * @param webappDir      the web application's root directory (holding {@code WEB-INF/web.xml})
     * @param host           the address to bind; {@link #of} uses 127.0.0.1
     * @param port           the port to bind, 0 for any free port; {@link #of} uses 0
     * @param initParameters servlet context init parameters, which win over the same names in {@code web.xml}
     * @param idleTimeout    how long a connection may stay idle; {@link #of} uses {@value #DEFAULT_IDLE_TIMEOUT_SECONDS} s
     * @param maxHeaderBytes the largest request header block accepted; {@link #of} uses {@value #DEFAULT_MAX_HEADER_BYTES}
     * @param stopTimeout    how long stopping waits for requests in flight; {@link #of} uses {@value #DEFAULT_STOP_TIMEOUT_SECONDS} s
     * @param maxThreads     the size of the server's thread pool; {@link #of} uses {@value #DEFAULT_MAX_THREADS}
     */
    public record Options(Path webappDir, String host, int port, Map<String, String> initParameters,
                          Duration idleTimeout, int maxHeaderBytes, Duration stopTimeout, int maxThreads) {
        /** Above an AWS ALB's 60 s idle timeout, so the balancer, not the proxy, closes idle connections; and above the 25 s poll hold. */
        public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 75;
        /** Room for large cookies and tokens that clients send through the proxy. */
        public static final int DEFAULT_MAX_HEADER_BYTES = 65536;
        /** Well inside the grace periods of Kubernetes (30 s) and ECS (30 s) before they kill the process. */
        public static final int DEFAULT_STOP_TIMEOUT_SECONDS = 30;
        /** Jetty's own default; the README's advice on {@code max-streaming-exchanges} assumes it. */
        public static final int DEFAULT_MAX_THREADS = 200;
        // Below this Jetty cannot run its acceptor and selector threads and still serve requests.
        private static final int MIN_THREADS = 8;

        /** Checks every option and freezes the parameter map; a bad value gives an {@link IllegalArgumentException} naming it. */
        public Options {
            Objects.requireNonNull(webappDir, "webappDir");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(stopTimeout, "stopTimeout");
            require(!host.isBlank(), "host must not be empty");
            require(port >= 0 && port <= 65535, "port must be 0 to 65535, not " + port);
            require(idleTimeout.toMillis() > 0, "idle timeout must be positive, not " + idleTimeout);
            require(maxHeaderBytes > 0, "max header bytes must be positive, not " + maxHeaderBytes);
            require(!stopTimeout.isNegative(), "stop timeout must not be negative, not " + stopTimeout);
            require(maxThreads >= MIN_THREADS, "max threads must be at least " + MIN_THREADS + ", not " + maxThreads);
            initParameters = Collections.unmodifiableMap(new LinkedHashMap<>(initParameters));
        }

        /** Options for a loopback server on any free port serving this directory, with every other default. */
        public static Options of(Path webappDir) {
            return new Options(webappDir, "127.0.0.1", 0, Map.of(), Duration.ofSeconds(DEFAULT_IDLE_TIMEOUT_SECONDS),
                    DEFAULT_MAX_HEADER_BYTES, Duration.ofSeconds(DEFAULT_STOP_TIMEOUT_SECONDS), DEFAULT_MAX_THREADS);
        }

        /** A copy binding another address. */
        public Options withHost(String value) {
            return new Options(webappDir, value, port, initParameters, idleTimeout, maxHeaderBytes, stopTimeout, maxThreads);
        }

        /** A copy binding another port. */
        public Options withPort(int value) {
            return new Options(webappDir, host, value, initParameters, idleTimeout, maxHeaderBytes, stopTimeout, maxThreads);
        }

        /** A copy with one more context init parameter, replacing any of the same name. */
        public Options withInitParameter(String name, String value) {
            Map<String, String> parameters = new LinkedHashMap<>(initParameters);
            parameters.put(name, value);
            return new Options(webappDir, host, port, parameters, idleTimeout, maxHeaderBytes, stopTimeout, maxThreads);
        }

        /** A copy with another connection idle timeout. */
        public Options withIdleTimeout(Duration value) {
            return new Options(webappDir, host, port, initParameters, value, maxHeaderBytes, stopTimeout, maxThreads);
        }

        /** A copy accepting request header blocks up to this size. */
        public Options withMaxHeaderBytes(int value) {
            return new Options(webappDir, host, port, initParameters, idleTimeout, value, stopTimeout, maxThreads);
        }

        /** A copy with another stop timeout. */
        public Options withStopTimeout(Duration value) {
            return new Options(webappDir, host, port, initParameters, idleTimeout, maxHeaderBytes, value, maxThreads);
        }

        /** A copy whose server runs on a thread pool of this size. */
        public Options withMaxThreads(int value) {
            return new Options(webappDir, host, port, initParameters, idleTimeout, maxHeaderBytes, stopTimeout, value);
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
