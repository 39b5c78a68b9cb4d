package net.invertingproxy.agent;

import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.config.UsageException;
import net.invertingproxy.agent.forward.ExchangeDispatcher;
import net.invertingproxy.agent.metrics.MetricsEndpoint;

/**
 * The command line: {@code java -jar inverting-proxy-agent.jar -proxy URL -backend ID [flag ...]}.
 * Exits 0 after {@code --help} and after SIGTERM once requests in flight have finished (or the
 * graceful shutdown timeout has passed), 2 for an unusable command line, 1 if the metrics port
 * cannot be had. The only class that ends the JVM.
 */
public final class AgentMain {
    private static final int EXIT_USAGE = 2;
    private static final int EXIT_UNAVAILABLE = 1;

    private AgentMain() {
    }

    /** Parses the flags, prints a summary line and runs the agent until SIGTERM. */
    public static void main(String[] args) {
        LogSetup.prepare();
        AgentConfig config = parseOrExit(args);
        LogSetup.configure();
        System.out.println(summary(config));
        // Registered before the agent starts, so a SIGTERM at any moment from here on exits 0.
        AtomicReference<Agent> running = new AtomicReference<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAndHalt(running, config), "agent-shutdown"));
        Agent agent;
        try {
            agent = Agent.start(config);
        } catch (UncheckedIOException e) {
            System.err.println("error: " + e.getMessage());
            System.err.flush();
            System.out.flush();
            // Halting, not exiting: the shutdown hook would turn an exit into status 0.
            Runtime.getRuntime().halt(EXIT_UNAVAILABLE);
            return;
        }
        running.set(agent);
        agent.awaitStopped();
    }

    static String summary(AgentConfig config) {
        return "inverting-proxy-agent " + Agent.version() + " polling " + config.proxy() + " for backend '"
                + config.backendId() + "' (" + (config.awsAuth() ? "AWS login as server " + config.awsLoginServerId()
                        : "credential " + config.credentialForLogs()) + "), forwarding to "
                + config.scheme() + "://" + config.host()
                + " (max in flight " + config.maxInFlight()
                + (config.proxyTls().skipVerify() ? ", proxy TLS NOT verified"
                        : config.proxyTls().caFile() != null ? ", proxy CA file " + config.proxyTls().caFile() : "")
                + (config.healthCheckEnabled() ? ", health check " + config.healthCheckPath() + " every "
                        + config.healthCheckInterval().toSeconds() + "s" : "")
                + (config.metricsEnabled() ? ", metrics on http://" + hostForUrl(config.metricsAddress()) + ":"
                        + config.metricsPort() + MetricsEndpoint.PATH : "")
                + (ExchangeDispatcher.usesVirtualThreads() ? ", virtual threads" : "") + ")";
    }

    private static String hostForUrl(String address) {
        return address.contains(":") ? "[" + address + "]" : address;
    }

    private static AgentConfig parseOrExit(String[] args) {
        try {
            return AgentConfig.resolve(System.getenv(), args);
        } catch (UsageException e) {
            if (e.isHelpRequested()) {
                System.out.print(AgentConfig.usage());
                System.exit(0);
            }
            // One line, so that a supervisor's log shows the whole complaint.
            System.err.println("error: " + e.getMessage() + " (run with --help for usage)");
            System.exit(EXIT_USAGE);
            throw new AssertionError("unreachable");
        }
    }

    // SIGTERM is the normal way to stop the agent, so the JVM exits 0 rather than 143; halting also
    // skips the other shutdown hooks, which have nothing left to do.
    private static void stopAndHalt(AtomicReference<Agent> running, AgentConfig config) {
        Logger.getLogger(AgentMain.class.getName()).info("SIGTERM: stopping");
        Agent agent = running.get();
        if (agent != null) {
            agent.stop(config.gracefulShutdownTimeout());
        }
        LogSetup.flush();
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
