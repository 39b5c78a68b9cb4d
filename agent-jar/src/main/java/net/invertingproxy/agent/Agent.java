package net.invertingproxy.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.invertingproxy.agent.aws.AwsLoginSigner;
import net.invertingproxy.agent.config.AgentConfig;
import net.invertingproxy.agent.login.SessionAuthorization;
import net.invertingproxy.agent.discovery.CloudMapSelfRegistration;
import net.invertingproxy.agent.discovery.SelfRegistration;
import net.invertingproxy.agent.forward.BackendClientFactory;
import net.invertingproxy.agent.forward.ExchangeDispatcher;
import net.invertingproxy.agent.forward.ExchangeListener;
import net.invertingproxy.agent.health.HealthChecker;
import net.invertingproxy.agent.health.HealthGate;
import net.invertingproxy.agent.metrics.AgentMeters;
import net.invertingproxy.agent.metrics.MetricsEndpoint;
import net.invertingproxy.agent.metrics.cloudwatch.CloudWatchRegistries;
import net.invertingproxy.agent.poll.Backoff;
import net.invertingproxy.agent.poll.PollListener;
import net.invertingproxy.agent.poll.PollLoop;
import net.invertingproxy.agent.proxy.ProxyClient;

import io.micrometer.core.instrument.MeterRegistry;

import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.core5.io.CloseMode;

/**
 * A running agent: it polls the proxy, forwards each request to the backend and posts the answer
 * back until {@link #stop(Duration)}. Start one with {@link #start(AgentConfig)}; it runs on its own
 * daemon threads, so tests can run it in-process, and it never exits the JVM.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Agent.class.getName());
    // Held so the level set for -debug survives garbage collection of the logger.
    private static final Logger AGENT_LOGGERS = Logger.getLogger("net.invertingproxy");
    private static final Duration AFTER_GRACE = Duration.ofSeconds(2);
    // Signing off is a courtesy to the proxy; a stop never waits long for it.
    private static final Duration SIGN_OFF_TIMEOUT = Duration.ofSeconds(2);
    private static final String VERSION = readVersion();

    private final AgentConfig config;
    private final ProxyClient proxy;
    private final CloseableHttpAsyncClient backend;
    private final ExchangeDispatcher dispatcher;
    private final HealthGate health;
    private final HealthChecker healthChecker;
    private final PollLoop pollLoop;
    private final AgentMeters meters;
    private final MetricsEndpoint metricsEndpoint;
    // Null without -SDService.
    private SelfRegistration cloudMap;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Agent(AgentConfig config) {
        this.config = config;
        // As the Go agent, with health checks on it polls only once the backend has passed one.
        this.health = new HealthGate(!config.healthCheckEnabled());
        // Gauges read the dispatcher only when scraped, by which time it exists.
        this.meters = config.metricsEnabled() || config.cloudWatch().enabled()
                ? new AgentMeters(this::inFlight, health::isHealthy, publishers(config)) : null;
        // Bound before any client starts: a taken port then fails start-up with nothing to undo
        // (closing a just-started async client races its I/O reactor, which logs a stack trace).
        this.metricsEndpoint = config.metricsEnabled() ? startMetrics(config, meters) : null;
        this.proxy = new ProxyClient(config, "inverting-proxy-agent/" + VERSION);
        if (config.awsAuth()) {
            // The only path to the AWS SDK: without -aws-auth none of its classes is loaded.
            proxy.authorizeWith(new SessionAuthorization(
                    AwsLoginSigner.create(config.awsRegion(), config.awsLoginServerId()), proxy::login, Clock.systemUTC()));
        }
        this.backend = BackendClientFactory.create(config);
        this.dispatcher = new ExchangeDispatcher(config, proxy, backend,
                meters != null ? meters : ExchangeListener.NONE);
        this.healthChecker = config.healthCheckEnabled() ? new HealthChecker(config, backend, health) : null;
        this.pollLoop = new PollLoop(proxy, dispatcher::dispatch, health, Backoff.standard(), config.proxy().toString(),
                meters != null ? meters : PollListener.NONE);
    }

    // Only touched when enabled: with CloudWatch off, no AWS SDK class is loaded.
    private static List<MeterRegistry> publishers(AgentConfig config) {
        return config.cloudWatch().enabled()
                ? List.of(CloudWatchRegistries.start(config.cloudWatch(), config.backendId())) : List.of();
    }

    private static MetricsEndpoint startMetrics(AgentConfig config, AgentMeters meters) {
        try {
            return MetricsEndpoint.start(config.metricsAddress(), config.metricsPort(), meters::scrape);
        } catch (UncheckedIOException e) {
            meters.close();
            throw e;
        }
    }

    /**
     * Starts an agent: the metrics endpoint (if configured), health checks (if configured) and
     * polling begin at once, polling with health checks on only once the backend passes one. Throws
     * {@link UncheckedIOException} if the metrics port cannot be had.
     */
    public static Agent start(AgentConfig config) {
        if (config.debug()) {
            AGENT_LOGGERS.setLevel(Level.FINE);
        }
        Agent agent = new Agent(config);
        if (agent.healthChecker != null) {
            agent.healthChecker.start();
        }
        agent.pollLoop.start();
        // On a thread of its own: polling never waits for Cloud Map.
        agent.cloudMap = CloudMapSelfRegistration.startIfEnabled(config, agent.proxy.agentId());
        return agent;
    }

    /** The agent's version, e.g. {@code 0.1.0}. */
    public static String version() {
        return VERSION;
    }

    /** The configuration the agent runs with. */
    public AgentConfig config() {
        return config;
    }

    /** Where the metrics endpoint listens, if {@code -metrics-port} asked for one. */
    public Optional<InetSocketAddress> metricsAddress() {
        MetricsEndpoint endpoint = metricsEndpoint;
        return endpoint == null ? Optional.empty() : Optional.of(endpoint.address());
    }

    /** How many requests are being forwarded right now. */
    public int inFlight() {
        return dispatcher.inFlight();
    }

    /** Whether the agent is polling, i.e. health checks are off or the backend passed them. */
    public boolean isHealthy() {
        return health.isHealthy();
    }

    /**
     * Stops polling, lets requests in flight finish for up to {@code grace}, then breaks the ones
     * left and closes every connection. Returns whether all requests finished within the grace
     * period. Calling it again just waits for the first call to finish.
     */
    public boolean stop(Duration grace) {
        if (!stopping.compareAndSet(false, true)) {
            awaitStopped();
            return inFlight() == 0;
        }
        try {
            return shutDown(grace);
        } finally {
            stopped.countDown();
        }
    }

    /** Stops with the configured {@code -graceful-shutdown-timeout}. */
    @Override
    public void close() {
        stop(config.gracefulShutdownTimeout());
    }

    /** Waits until the agent has been stopped. */
    public void awaitStopped() {
        boolean interrupted = false;
        while (true) {
            try {
                stopped.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits up to {@code timeout} for the agent to be stopped; returns whether it was. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private boolean shutDown(Duration grace) {
        pollLoop.stop();
        if (cloudMap != null) {
            cloudMap.stop(SIGN_OFF_TIMEOUT);
        }
        proxy.signOff(SIGN_OFF_TIMEOUT, pollLoop.inlineTaken());
        if (healthChecker != null) {
            healthChecker.stop();
        }
        int running = inFlight();
        if (running > 0) {
            LOG.info(() -> "stopping: waiting up to " + grace.toMillis() + " ms for " + running + " requests in flight");
        }
        boolean finished = false;
        try {
            finished = dispatcher.shutdown(grace);
            if (!finished) {
                int left = inFlight();
                LOG.warning(() -> "stopping: " + left + " requests still in flight after the grace period; aborting them");
                // Closes their backend connections, so the backend client then closes gracefully at once.
                dispatcher.abortInFlight();
            }
            // Closing the proxy's pool at once also breaks the reads and posts still running.
            proxy.close(finished ? CloseMode.GRACEFUL : CloseMode.IMMEDIATE);
            backend.close(CloseMode.GRACEFUL);
            if (!finished) {
                dispatcher.shutdownNow(AFTER_GRACE);
            }
            pollLoop.awaitStopped(AFTER_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            proxy.close(CloseMode.IMMEDIATE);
            backend.close(CloseMode.IMMEDIATE);
        }
        closeMetrics();
        LOG.info("agent stopped");
        return finished;
    }

    private void closeMetrics() {
        MetricsEndpoint endpoint = metricsEndpoint;
        if (endpoint != null) {
            endpoint.close();
        }
        if (meters != null) {
            meters.close();
        }
    }

    private static String readVersion() {
        Properties properties = new Properties();
        try (InputStream in = Agent.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty("version", "unknown");
    }
}
