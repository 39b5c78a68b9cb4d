package net.invertingproxy.proxy.config;

import java.util.Locale;

/**
 * Every setting of the proxy, with its one default and its meaning. The README table is checked
 * against this list by a test, so the two cannot drift apart.
 */
public enum ProxySetting {
    /** How long a poll is held open waiting for work; must stay well under a load balancer's idle timeout. */
    POLL_HOLD_SECONDS("poll-hold-seconds", "25",
            "How long an agent's poll is held when no request waits. Keep it well under the ALB idle timeout (60 s)."),
    /** How long a client request may wait for an agent to start answering it. */
    REQUEST_TIMEOUT_SECONDS("request-timeout-seconds", "60",
            "How long a client request may wait for an agent to take it and start the response; then 504."),
    /** How long after its last poll a backend still counts as served by an agent. */
    AGENT_OFFLINE_AFTER_SECONDS("agent-offline-after-seconds", "15",
            "A backend with no poll waiting and none ended within this time has no agent: new requests get 503 at once."),
    /** How long a request handed to an agent may stay unread before it is offered to the next poll. */
    CLAIM_TIMEOUT_SECONDS("claim-timeout-seconds", "10",
            "A request handed to an agent but not read within this time is handed out again (the agent likely died)."),
    /** The largest number of requests waiting for an agent, per backend. */
    MAX_QUEUED_REQUESTS("max-queued-requests", "10000",
            "Requests waiting for an agent per backend; beyond it new requests get 503."),
    /** The largest number of exchanges, waiting or in flight, in the whole proxy. */
    MAX_EXCHANGES("max-exchanges", "20000",
            "Exchanges (waiting or streaming) in the whole proxy; beyond it new requests get 503."),
    /** The largest number of agent calls moving bodies at once, each of which holds a container thread. */
    MAX_STREAMING_EXCHANGES("max-streaming-exchanges", "150",
            "Agent calls moving a body at once (each holds a container thread); beyond it the exchange gets 503. Keep it below the container's thread pool (200 by default) so polls and health checks always find a thread."),
    /** The largest number of WebSocket handshakes waiting at once, each of which holds a container thread. */
    MAX_WAITING_UPGRADES("max-waiting-upgrades", "32",
            "WebSocket handshakes waiting at once for their backend's answer (each holds a container thread until then); beyond it the client gets 503. Open WebSockets hold no thread and do not count. Keep it plus max-streaming-exchanges below the container's thread pool."),
    /** How long a tunnelled WebSocket's client may stay silent before the proxy pings it. */
    WEBSOCKET_PING_SECONDS("websocket-ping-seconds", "30",
            "A tunnelled WebSocket whose client sent nothing for this long gets an empty ping from the proxy (between two frames); its pong keeps every connection towards the backend busy. Keep it under the load balancer's idle timeout (ALB: 60 s) and the agent's -proxy-timeout."),
    /** The largest number of polls held at once per backend. */
    MAX_WAITING_POLLS("max-waiting-polls", "1000",
            "Polls held at once per backend; a poll beyond it is answered at once with no work."),
    /** The largest head (status line and headers) accepted in an agent's response message. */
    MAX_HEADER_BYTES("max-header-bytes", "65536",
            "Largest head (status line and headers together) accepted in an agent's response message; larger gives 400 to the agent, 502 to the client."),
    /** The largest number of headers accepted in an agent's response message. */
    MAX_HEADER_COUNT("max-header-count", "256",
            "Most headers accepted in an agent's response message."),
    /** How long a stopping proxy waits for exchanges already under way. */
    DRAIN_TIMEOUT_SECONDS("drain-timeout-seconds", "30",
            "On shutdown or undeploy, how long exchanges already under way may take to finish; new requests get 503 meanwhile."),
    /** Who may read {@code /metrics}. */
    METRICS_ACCESS("metrics-access", "loopback",
            "Who may read /metrics: loopback (callers on the proxy's own machine, not those a local reverse proxy forwards), open (anyone), or off (404)."),
    /** A bearer token that {@code /metrics} additionally requires, if set. */
    METRICS_TOKEN("metrics-token", "",
            "If set, /metrics also requires the header Authorization: Bearer <token> (compared in constant time)."),
    /** Where the backend registry is kept. */
    DATA_DIR("data-dir", "",
            "Directory of the backend registry (backends.json). Empty: $catalina.base/data/inverting-proxy under Tomcat, else ./inverting-proxy-data."),
    /** The credential of the admin API; without it the API is off. */
    ADMIN_TOKEN("admin-token", "",
            "Bearer token of the admin API /api/backends (compared in constant time); empty turns the API off (404). Use 32+ random characters."),
    /** Address ranges of proxies in front whose X-Forwarded-For is believed. */
    TRUSTED_PROXIES("trusted-proxies", "",
            "Comma-separated CIDR ranges of proxies in front (the ALB's subnets) whose X-Forwarded-For is believed for address allow-lists; empty believes none."),
    /** Where the ALB's public keys for OIDC tokens are fetched. */
    ALB_PUBLIC_KEYS_URL("alb-public-keys-url", "https://public-keys.auth.elb.{region}.amazonaws.com/{kid}",
            "URL template of the ALB's public keys that sign x-amzn-oidc-data; {region} and {kid} are filled in."),
    /** The largest number of backends in the registry. */
    MAX_BACKENDS("max-backends", "1000",
            "Backends the registry may hold; creating one more gives 409."),
    /** The name AWS-verified agents sign their login for; logins signed for another name are refused. */
    AWS_SERVER_ID("aws-server-id", "",
            "This proxy's name in AWS logins (POST agent/login): an agent signs it in the X-Inverting-Proxy-Server-ID header (by default its -proxy URL's host), and a login signed for another name is refused 401, so it cannot be replayed here. Empty: AWS logins answer 503. No AWS class is loaded until a login for a backend with awsIdentity arrives."),
    /** The region whose STS endpoint verifies AWS logins. */
    AWS_REGION("aws-region", "",
            "Region of the STS endpoint that verifies AWS logins (https://sts.REGION.amazonaws.com/); agents must sign for the same region (-aws-region). Empty: the AWS SDK's default region chain, read at the first login."),
    /** A replacement STS endpoint, for tests. */
    AWS_STS_ENDPOINT("aws-sts-endpoint", "",
            "URL AWS logins are sent to instead of the region's STS endpoint (tests). The agent signs for the regional host name, so for an STS VPC endpoint use its private DNS rather than this."),
    /** A replacement IAM endpoint, for tests. */
    AWS_IAM_ENDPOINT("aws-iam-endpoint", "",
            "URL of IAM for ListRoleTags instead of the global one (tests)."),
    /** The account whose roles' tags the proxy's own AWS credentials can read. */
    AWS_IAM_ACCOUNT("aws-iam-account", "",
            "The 12-digit AWS account the proxy's own credentials (AWS SDK default chain) read role tags in; an agent's role of another account cannot have its AllowedBackends tag read and is refused 403. Needed when a backend requires the tag."),
    /** How long a session credential from an AWS login is valid. */
    AWS_SESSION_SECONDS("aws-session-seconds", "900",
            "How long the session credential an AWS login gives is valid; the agent logs in again before it ends. Checked locally: agents already admitted keep working while STS or IAM are down."),
    /** How long a role's tags are kept. */
    AWS_ROLE_TAGS_CACHE_SECONDS("aws-role-tags-cache-seconds", "300",
            "How long a role's AllowedBackends tag, as read with IAM ListRoleTags, is kept (at most 10,000 roles)."),
    /** The largest number of AWS logins checked at once, each of which holds a container thread. */
    AWS_MAX_CONCURRENT_LOGINS("aws-max-concurrent-logins", "16",
            "AWS logins checked with STS and IAM at once (each holds a container thread for up to about 13 s when AWS is slow); a login beyond it gets 503 with Retry-After at once, and the agent tries again after its backoff."),
    /** The key session credentials are signed with, shared by several proxy instances. */
    AWS_SESSION_KEY("aws-session-key", "",
            "Key (32+ characters) that session credentials are signed with (HMAC-SHA256); give all instances behind one load balancer the same, so a session holds on each. Empty: a random key per process (sessions end with a restart)."),
    /** The Cloud Map service the proxy registers its connected backends in; empty turns Cloud Map off. */
    CLOUDMAP_SERVICE_ID("cloudmap-service-id", "",
            "ID of the AWS Cloud Map service (srv-...) in which the proxy registers an instance for every backend with a connected agent; empty turns Cloud Map off (no AWS SDK class is loaded)."),
    /** The AWS region of the Cloud Map service. */
    CLOUDMAP_REGION("cloudmap-region", "",
            "AWS region of the Cloud Map service, e.g. eu-west-1; empty: the AWS SDK's default lookup (AWS_REGION, the profile, the instance metadata)."),
    /** Another Cloud Map endpoint, for tests or VPC endpoints. */
    CLOUDMAP_ENDPOINT("cloudmap-endpoint", "",
            "URL of the Cloud Map API to call instead of the region's, e.g. a VPC endpoint; empty: the region's."),
    /** The URL under which the proxy is reached, published as an attribute. */
    CLOUDMAP_PROXY_URL("cloudmap-proxy-url", "",
            "URL clients reach this proxy at, published as the instance attribute proxyUrl; empty publishes the backend's routes (attribute routes) instead."),
    /** The shortest time between two updates of one backend's agent count. */
    CLOUDMAP_UPDATE_INTERVAL_SECONDS("cloudmap-update-interval-seconds", "10",
            "Shortest time between two updates of one backend's instance when only its agent count changed (registration and deregistration are never delayed)."),
    /** The CloudWatch namespace the per-backend request meters are published under; empty publishes nothing. */
    CLOUDWATCH_NAMESPACE("cloudwatch-namespace", "",
            "CloudWatch namespace that response-code counts and latency per backend are published under (Micrometer's CloudWatch registry); empty turns publishing off and loads no AWS SDK class."),
    /** The AWS region CloudWatch metrics go to. */
    CLOUDWATCH_REGION("cloudwatch-region", "",
            "AWS region of the CloudWatch namespace; empty: the SDK's default lookup (AWS_REGION, the profile, the instance metadata)."),
    /** How often meters are published to CloudWatch. */
    CLOUDWATCH_STEP_SECONDS("cloudwatch-step-seconds", "60",
            "Seconds between two publications to CloudWatch, also the period each datum covers."),
    /** Another CloudWatch endpoint, e.g. a VPC endpoint or a test's fake. */
    CLOUDWATCH_ENDPOINT("cloudwatch-endpoint", "",
            "URL of another CloudWatch endpoint (a VPC endpoint, a test's fake); empty: the region's own."),
    /** Whether CloudWatch metrics are written as Embedded Metric Format log lines instead of API calls. */
    CLOUDWATCH_EMF("cloudwatch-emf", "false",
            "true writes each step's per-backend meters as one Embedded Metric Format JSON line per backend on the logger net.invertingproxy.cloudwatch.emf (for the CloudWatch agent or Lambda to pick up) instead of calling PutMetricData."),
    /** The one host name the dashboard answers on, if set. */
    DASHBOARD_HOST("dashboard-host", "",
            "Host name on which /_dashboard answers (e.g. admin.proxy.example.com); on any other, 404. Empty: every host, which shares the page's origin with the backends' own pages."),
    /** How many recent exchanges of each backend the request inspector keeps. */
    INSPECTOR_EXCHANGES("inspector-exchanges", "50",
            "Recent exchanges of each backend the dashboard's request inspector keeps (a backend's inspector.enabled turns it off for that backend)."),
    /** The memory all inspected exchanges may take. */
    INSPECTOR_MAX_BYTES("inspector-max-bytes", "16777216",
            "Bytes that all exchanges kept by the request inspector may take together, headers and body prefixes counted; beyond it the oldest go first."),
    /** Headers the inspector shows without their values, besides those it always hides. */
    INSPECTOR_REDACT_HEADERS("inspector-redact-headers", "",
            "Comma-separated header names whose values the request inspector hides, besides Authorization, Proxy-Authorization, Cookie, Set-Cookie and a backend's API key header."),
    /** The Redis that several proxy instances share their state in; empty runs one instance in memory. */
    CLUSTER_REDIS_URL("cluster-redis-url", "",
            "Redis (ElastiCache) that several proxy instances behind one load balancer share membership, the request queue and the backend registry in: redis://host:6379, rediss:// for TLS, user and password in the URL. Empty: a single instance, all state in memory (docs/scale-out.md)."),
    /** The secret instances of one cluster prove themselves to each other with. */
    CLUSTER_SECRET("cluster-secret", "",
            "Shared secret (32+ characters, the same on every instance) that instance-to-instance calls carry; a call from outside without it is refused 403. Required with cluster-redis-url."),
    /** The address the other instances reach this one on. */
    CLUSTER_INTERNAL_URL("cluster-internal-url", "",
            "Base URL, context path included, at which the other instances reach this one directly (not through the load balancer), e.g. http://10.0.1.17:8080/; calls naming a request this instance holds are streamed to it there. Required with cluster-redis-url."),
    /** How long a silent instance stays a member of the cluster. */
    CLUSTER_INSTANCE_EXPIRY_SECONDS("cluster-instance-expiry-seconds", "5",
            "An instance renews its membership in Redis every 500 ms; one silent this long (it died) drops out, and once missing this long again its queued requests are dropped and calls naming its requests get 502 at once."),
    /** How often overdue requests and polls are looked for. */
    SWEEP_INTERVAL_MILLIS("sweep-interval-millis", "200",
            "How often overdue requests and polls are looked for; timeouts are accurate to this.");

    private final String key;
    private final String defaultValue;
    private final String description;

    ProxySetting(String key, String defaultValue, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    /** The name used as servlet context parameter. */
    public String key() {
        return key;
    }

    /** The name used as Java system property: the key prefixed with {@code inverting-proxy.}. */
    public String systemProperty() {
        return "inverting-proxy." + key;
    }

    /** The name used as environment variable, e.g. {@code INVERTING_PROXY_POLL_HOLD_SECONDS}. */
    public String environmentVariable() {
        return "INVERTING_PROXY_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** The value used when nothing else is set. */
    public String defaultValue() {
        return defaultValue;
    }

    /** Whether the value is a positive whole number (else free text). */
    public boolean isNumeric() {
        return !defaultValue.isEmpty() && defaultValue.chars().allMatch(Character::isDigit);
    }

    /** What the setting does, for documentation. */
    public String description() {
        return description;
    }
}
