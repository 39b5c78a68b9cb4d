package net.invertingproxy.containers;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * The proxy WAR running in one servlet container, as a separate process listening on a loopback
 * port, started with the given proxy settings and stopped with SIGTERM.
 */
interface ProxyUnderTest extends AutoCloseable {
    /** Short name, e.g. {@code tomcat-10.1.59}; also the name of its log directory. */
    String name();

    /** The port the proxy listens on (127.0.0.1). */
    int port();

    /** {@code http://127.0.0.1:<port>/}: the URL an agent is given. */
    default URI baseUri() {
        return URI.create("http://127.0.0.1:" + port() + "/");
    }

    boolean isAlive();

    /** Where the container's output and log files go. */
    Path logDirectory();

    /** The last lines of every log file of the container, for a failure's report. */
    String logTail(int lines);

    /** Stops the container (SIGTERM, then a kill after 30 s) and waits for it to exit. */
    @Override
    void close();

    /** Starts a proxy under test with the given proxy settings ({@code NAME -> VALUE}). */
    @FunctionalInterface
    interface Starter {
        ProxyUnderTest start(Map<String, String> settings) throws Exception;
    }
}
