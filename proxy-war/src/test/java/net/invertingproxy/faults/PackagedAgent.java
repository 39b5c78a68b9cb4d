package net.invertingproxy.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import net.invertingproxy.tunnel.JavaProcess;

/**
 * The packaged agent jar in a JVM of its own, serving one backend of a {@link PackagedProxy}; it can
 * be killed (SIGKILL) or frozen (SIGSTOP) and resumed (SIGCONT), and is never left frozen on close.
 */
public final class PackagedAgent implements AutoCloseable {
    private static final Path JAR = Path.of("..", "agent-jar", "target", "inverting-proxy-agent.jar");
    private static final List<String> JVM_FLAGS = List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError");

    private final JavaProcess process;
    private volatile boolean frozen;

    private PackagedAgent(JavaProcess process) {
        this.process = process;
    }

    /**
     * Starts the agent for {@code backendId} with the credential in its environment, forwarding to
     * {@code backendHost}; extra flags come last. Does not wait for its first poll.
     */
    public static PackagedAgent start(String name, PackagedProxy proxy, String backendId, String credential,
                                      String backendHost, String... extraFlags) throws IOException {
        return start(name, proxy.baseUri(), backendId, credential, backendHost, extraFlags);
    }

    /** As {@link #start(String, PackagedProxy, String, String, String, String...)}, for a proxy at {@code proxyUri} (a load balancer). */
    public static PackagedAgent start(String name, java.net.URI proxyUri, String backendId, String credential,
                                      String backendHost, String... extraFlags) throws IOException {
        List<String> args = new ArrayList<>(List.of("-proxy", proxyUri.toString(), "-backend", backendId,
                "-host", backendHost));
        args.addAll(List.of(extraFlags));
        return new PackagedAgent(JavaProcess.start(PackagedProxy.LOGS.resolve(name + "-agent.log"), JVM_FLAGS,
                Map.of("INVERTING_PROXY_AGENT_CREDENTIAL", credential), JAR, args.toArray(String[]::new)));
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Kills the agent with SIGKILL: its connections are closed by the kernel, nothing is posted. */
    public void kill() throws InterruptedException {
        process.kill();
    }

    /** Freezes the agent with SIGSTOP: its connections stay open, but it reads and writes nothing. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
        frozen = true;
    }

    /** Resumes a frozen agent with SIGCONT. */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
        frozen = false;
    }

    /** Waits for a line of the agent's output matching the pattern. */
    public void awaitOutput(Pattern pattern, long seconds) throws Exception {
        process.awaitLine(pattern, seconds);
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
        }
    }

    @Override
    public void close() throws Exception {
        // A stopped process would hold SIGTERM pending until the close gives up and kills it.
        if (frozen && process.isAlive()) {
            thaw();
        }
        process.close();
    }
}
