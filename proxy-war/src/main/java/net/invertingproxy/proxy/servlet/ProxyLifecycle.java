package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.proxy.access.AlbOidcVerifier;
import net.invertingproxy.proxy.access.AlbPublicKeys;
import net.invertingproxy.proxy.access.ClientAddresses;
import net.invertingproxy.proxy.access.EndUserGate;
import net.invertingproxy.proxy.admin.BackendAdmin;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.cluster.ClusterNode;
import net.invertingproxy.proxy.cluster.SharedRegistry;
import net.invertingproxy.proxy.aws.AwsIdentityVerifier;
import net.invertingproxy.proxy.config.AwsLoginSettings;
import net.invertingproxy.proxy.config.ProxySettings;
import net.invertingproxy.proxy.login.AgentLogins;
import net.invertingproxy.proxy.login.SessionCredentials;
import net.invertingproxy.proxy.credential.AdminAuthenticator;
import net.invertingproxy.proxy.credential.AgentAuthenticator;
import net.invertingproxy.proxy.discovery.BackendInstances;
import net.invertingproxy.proxy.discovery.CloudMapInstances;
import net.invertingproxy.proxy.discovery.CloudMapSettings;
import net.invertingproxy.proxy.limits.BackendLimiter;
import net.invertingproxy.proxy.metrics.ProxyMeters;
import net.invertingproxy.proxy.metrics.cloudwatch.CloudWatchRegistries;
import net.invertingproxy.proxy.observe.AccessLog;
import net.invertingproxy.proxy.dashboard.BackendTraffic;
import net.invertingproxy.proxy.inspect.ExchangeInspector;
import net.invertingproxy.proxy.observe.BackendActivity;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.BackendRegistry;
import net.invertingproxy.proxy.tunnel.OpenTunnels;

/** Starts the broker and its sweeper when the web application starts, and releases everything it holds when it stops. */
public final class ProxyLifecycle implements ServletContextListener {
    private static final System.Logger LOG = System.getLogger(ProxyLifecycle.class.getName());
    /**
     * Context attribute holding a {@link Runnable} that starts the drain; the embedded launcher runs
     * it before it stops the server, so held polls and waiting clients are answered at once.
     */
    public static final String DRAIN_ATTRIBUTE = "net.invertingproxy.proxy.drain";

    private static final long DRAIN_CHECK_MILLIS = 50;
    private static final Duration CLOUD_MAP_WITHDRAW_TIMEOUT = Duration.ofSeconds(5);

    private ScheduledExecutorService sweeper;
    private Broker<ParkedClient> broker;
    private Duration drainTimeout;
    private ProxyMeters meters;
    private AccessLog accessLog;
    // Null with Cloud Map off.
    private BackendInstances cloudMap;
    // Null for a single instance (no cluster-redis-url).
    private ClusterNode cluster;
    private SharedRegistry sharedRegistry;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        ProxySettings settings = ProxySettings.resolve(context::getInitParameter, System.getProperties(), System.getenv());
        Clock clock = Clock.systemUTC();
        BackendRegistry registry = openRegistry(settings);
        cluster = settings.cluster().enabled() ? joinCluster(settings) : null;
        broker = cluster == null ? new Broker<>(settings, clock)
                : new Broker<>(settings, clock, cluster.requestIds(), cluster.sharedQueue());
        drainTimeout = settings.drainTimeout();
        // Only touched when enabled: with CloudWatch off, no AWS SDK class is loaded.
        meters = new ProxyMeters(broker, settings.cloudWatch().enabled()
                ? List.of(CloudWatchRegistries.start(settings.cloudWatch())) : List.of());
        accessLog = new AccessLog();
        BackendLimiter limiter = new BackendLimiter();
        BackendActivity activity = new BackendActivity(clock);
        registry.onRemoval(broker::removeBackend);
        registry.onRemoval(limiter::forget);
        registry.onRemoval(activity::forget);
        ExchangeInspector inspector = new ExchangeInspector(settings.inspector(), id -> registry.get(id).isPresent(),
                clock);
        BackendTraffic traffic = new BackendTraffic(id -> registry.get(id).isPresent(), clock);
        registry.onRemoval(inspector::forget);
        registry.onRemoval(traffic::forget);
        cloudMap = CloudMapInstances.startIfEnabled(
                CloudMapSettings.resolve(context::getInitParameter, System.getProperties(), System.getenv()),
                broker::connectedAgentCount, broker::backendIds, id -> routesOf(registry, id));
        broker.onAgentsChanged(backendId -> {
            if (cloudMap != null) {
                cloudMap.changed(backendId);
            }
            if (cluster != null) {
                cluster.agentsChanged();
            }
        });
        ClientAddresses clientAddresses = new ClientAddresses(settings.trustedProxies());
        EndUserGate endUserGate = new EndUserGate(clientAddresses,
                new AlbOidcVerifier(new AlbPublicKeys(settings.albPublicKeysUrl(), clock), clock));
        OpenTunnels openTunnels = new OpenTunnels(settings.websocketPing());
        AwsLoginSettings aws = settings.awsLogin();
        SessionCredentials sessions = new SessionCredentials(aws.sessionKey(), aws.sessionLifetime(), clock);
        // The AWS SDK is reached only through this supplier, at the first login that asks AWS.
        AgentLogins agentLogins = new AgentLogins(registry, aws, sessions, () -> AwsIdentityVerifier.create(aws));
        new ProxyComponents(settings, broker, new MessageReader(settings.maxHeaderBytes(), settings.maxHeaderCount()),
                new StreamingSlots(settings.maxStreamingExchanges()), List.of(accessLog, meters, traffic), meters,
                registry, new AgentAuthenticator(registry, sessions), endUserGate, clientAddresses, limiter, activity,
                new BackendAdmin(registry, clock, broker::connectedAgentCount, activity::lastUsed),
                new AdminAuthenticator(settings.adminToken()), openTunnels, agentLogins, inspector, traffic, cluster)
                .storeIn(context);
        context.setAttribute(DRAIN_ATTRIBUTE, (Runnable) this::startDrain);
        if (cluster != null) {
            startCluster(cluster, broker);
        }
        sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "inverting-proxy-sweeper");
            thread.setDaemon(true);
            return thread;
        });
        long interval = settings.sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(this::sweep, interval, interval, TimeUnit.MILLISECONDS);
        // Checked four times per ping interval (at most once a second), so a ping goes out at most
        // a quarter interval late.
        long pingCheck = Math.max(1, Math.min(1000, settings.websocketPing().toMillis() / 4));
        sweeper.scheduleWithFixedDelay(() -> pingIdleTunnels(openTunnels), pingCheck, pingCheck, TimeUnit.MILLISECONDS);
        LOG.log(Level.INFO, "inverting-proxy ready at context ''{0}'': {1} backends from {2}, admin API {3},"
                        + " poll hold {4} s, request timeout {5} s, queue bound {6}",
                context.getContextPath(), registry.all().size(), registry.location(),
                settings.adminToken().isEmpty() ? "off" : "on", settings.pollHold().toSeconds(),
                settings.requestTimeout().toSeconds(), settings.maxQueuedRequests());
    }

    // A corrupt registry stops the start: serving silently with no backends would lose them all.
    private BackendRegistry openRegistry(ProxySettings settings) {
        BackendRegistry registry;
        try {
            registry = settings.cluster().enabled() ? openSharedRegistry(settings)
                    : BackendRegistry.open(settings.dataDir().toAbsolutePath(), settings.maxBackends());
        } catch (IOException e) {
            LOG.log(Level.ERROR, e.getMessage());
            throw new IllegalStateException(e.getMessage(), e);
        }
        for (Backend backend : registry.all()) {
            if (backend.legacyAgents().allowed()) {
                LOG.log(Level.WARNING, "backend ''{0}'' accepts agents without a credential (legacy agents) from {1}",
                        backend.id(), backend.legacyAgents().sourceRanges().isEmpty()
                                ? "any address" : String.join(", ", backend.legacyAgents().sourceRanges()));
            }
        }
        return registry;
    }

    // Cluster mode: the registry lives in Redis, seeded once from backends.json, refreshed every
    // 250 ms; closed in contextDestroyed.
    private BackendRegistry openSharedRegistry(ProxySettings settings) throws IOException {
        sharedRegistry = SharedRegistry.open(settings.cluster().redisUrl(), settings.dataDir().toAbsolutePath(),
                settings.maxBackends());
        return sharedRegistry.registry();
    }

    private static String routesOf(BackendRegistry registry, String backendId) {
        return registry.get(backendId).map(backend -> backend.routes().stream()
                .map(route -> (route.host() == null ? "" : route.host()) + route.pathPrefix())
                .collect(java.util.stream.Collectors.joining(","))).orElse("");
    }

    // The queue keeps a backend's IDs while any request could still wait for it, then expires.
    private static ClusterNode joinCluster(ProxySettings settings) {
        // Relays hold container threads, as streaming exchanges do: the same bound keeps threads
        // free for polls and health checks.
        return ClusterNode.join(settings.cluster(), settings.maxQueuedRequests(), settings.claimTimeout(),
                settings.requestTimeout().plus(settings.claimTimeout()).multipliedBy(2), settings.maxStreamingExchanges());
    }

    private static void startCluster(ClusterNode cluster, Broker<ParkedClient> broker) {
        cluster.start(() -> broker.backendIds().stream().filter(id -> broker.connectedAgentCount(id) > 0).toList(),
                broker::pullShared, broker::signOff,
                (agentKey, taken) -> broker.settleInline(agentKey, taken)
                        .forEach(exchange -> exchange.client().inlineConfirmed("another instance")),
                () -> broker.backendIds().forEach(broker::pullShared));
    }

    // Held polls are answered, so their agents poll again through the load balancer and land on
    // the other instances; calls naming this instance's requests still reach it while it drains.
    private void startDrain() {
        broker.shutdown();
        if (cluster != null) {
            cluster.drain();
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        startDrain();
        if (cloudMap != null) {
            // Withdrawn before the drain, so that nobody is sent here while it lasts.
            cloudMap.withdrawAll(CLOUD_MAP_WITHDRAW_TIMEOUT);
            cloudMap.close();
        }
        awaitDrained(drainTimeout);
        if (cluster != null) {
            cluster.close();
        }
        sweeper.shutdownNow();
        meters.close();
        accessLog.close();
        if (sharedRegistry != null) {
            sharedRegistry.close();
        }
    }

    // Containers keep serving requests already under way while a context stops; waiting here lets
    // streams started before the drain finish, and the sweeper still times out stuck ones.
    private void awaitDrained(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while ((broker.exchangeCount() > 0 || relayedCalls() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(DRAIN_CHECK_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = broker.exchangeCount();
        if (left > 0) {
            LOG.log(Level.WARNING, "drain timeout of {0} s reached with {1} exchanges unfinished",
                    timeout.toSeconds(), left);
        } else {
            LOG.log(Level.INFO, "drained: every exchange finished");
        }
    }

    // Calls this instance relays for requests of others finish before it closes its relays.
    private int relayedCalls() {
        return cluster == null ? 0 : cluster.forwarder().inFlight();
    }

    // A failing round must not kill the scheduler, or no tunnel would be kept alive any more.
    private static void pingIdleTunnels(OpenTunnels openTunnels) {
        try {
            openTunnels.pingIdle();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pinging idle WebSockets failed: " + e);
        }
    }

    // A failing sweep must not kill the scheduler, or every later timeout would be lost.
    private void sweep() {
        try {
            broker.sweep();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "sweep failed: " + e, e);
        }
    }
}
