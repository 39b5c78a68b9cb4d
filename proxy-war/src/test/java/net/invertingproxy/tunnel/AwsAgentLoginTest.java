package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import net.invertingproxy.agent.aws.AwsLoginSigner;
import net.invertingproxy.protocol.AgentLogin;
import net.invertingproxy.protocol.WireHeaders;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Agents that prove their AWS identity (issue 7): the real agent with {@code -aws-auth} and logins
 * signed by the real SDK signer, against the real proxy, whose STS and IAM are a local server.
 */
class AwsAgentLoginTest {
    private static final String SERVER_ID = "proxy.test";
    private static final String REGION = "us-east-1";
    private static final StaticCredentialsProvider AGENT_CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIDAGENTEXAMPLE", "agent-secret-key"));
    private static final String AWS_BACKEND = "{\"id\": \"default\", \"routes\": [{\"pathPrefix\": \"/\"}],"
            + " \"awsIdentity\": {\"accounts\": [\"" + FakeAws.ACCOUNT + "\"], \"requireAllowedBackendsTag\": true}}";
    // Allow-listed headers, plus what any HTTP client adds itself.
    private static final Set<String> ALLOWED_AT_STS = Set.of("authorization", "x-amz-date", "x-amz-security-token",
            "x-amz-content-sha256", "x-inverting-proxy-server-id", "content-type", "host", "content-length",
            "user-agent", "connection");
    private static final Map<String, String> PREVIOUS = new HashMap<>();

    // The proxy's own credentials (for IAM) and the agent's, from the SDK's default chain, static.
    @BeforeAll
    static void awsCredentials() {
        for (String[] property : new String[][] {{"aws.accessKeyId", "AKIDPROXYEXAMPLE"},
                {"aws.secretAccessKey", "proxy-secret-key"}}) {
            PREVIOUS.put(property[0], System.getProperty(property[0]));
            System.setProperty(property[0], property[1]);
        }
    }

    @AfterAll
    static void restore() {
        PREVIOUS.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
    }

    private static Tunnel proxyWith(FakeAws aws, String... moreSettings) throws Exception {
        Map<String, String> settings = Tunnel.settings("poll-hold-seconds", "1", "aws-server-id", SERVER_ID,
                "aws-region", REGION, "aws-sts-endpoint", aws.sts().toString(), "aws-iam-endpoint", aws.iam().toString(),
                "aws-iam-account", FakeAws.ACCOUNT);
        settings.putAll(Tunnel.settings(moreSettings));
        return Tunnel.withoutBackends(settings);
    }

    private static AgentLogin.Request signedFor(String serverId) {
        return new AwsLoginSigner(AGENT_CREDENTIALS, REGION, serverId).sign();
    }

    private static RawResponse login(Tunnel tunnel, String backendId, AgentLogin.Request login) throws Exception {
        return new RawAgent(tunnel.proxy.port()).call("POST", "/agent/login",
                List.of(WireHeaders.BACKEND_ID + ": " + backendId, "Content-Type: application/json"),
                login.toJson().getBytes(StandardCharsets.UTF_8));
    }

    private static String sessionOf(RawResponse answer) throws Exception {
        assertEquals(200, answer.status(), answer.toString());
        return AgentLogin.Answer.parse(answer.bodyText()).credential();
    }

    @Test
    void theRealAgentLogsInAndServesThroughTheTunnelWithItsSession() throws Exception {
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws)) {
            tunnel.admin.create(AWS_BACKEND);
            // startAgent waits until a request went through the tunnel: the login and the session worked.
            tunnel.startAgent(new String[] {"-aws-auth", "-aws-region", REGION, "-aws-server-id", SERVER_ID});
            tunnel.backend.behave((request, response, recorded) -> response.setStatus(200));
            assertEquals(200, (int) tunnel.client.execute(new HttpGet(tunnel.uri("/hello")), r -> r.getCode()));
            assertEquals(1, aws.sts.size(), "one login, then the session: " + aws.sts);
            FakeAws.Received sts = aws.sts.get(0);
            assertEquals("POST", sts.method());
            assertEquals("/sts/", sts.path());
            assertEquals(AgentLogin.STS_BODY, sts.body());
            assertEquals(AgentLogin.STS_CONTENT_TYPE, sts.header("Content-Type"));
            assertEquals(SERVER_ID, sts.header(AgentLogin.SERVER_ID_HEADER));
            // The agent signs with the SDK's default chain: the same system properties as the proxy's here.
            assertTrue(sts.header("Authorization").startsWith("AWS4-HMAC-SHA256 Credential=AKIDPROXYEXAMPLE/"),
                    sts.header("Authorization"));
            assertTrue(sts.header("Authorization").contains("/" + REGION + "/sts/aws4_request"), sts.header("Authorization"));
            assertEquals(1, aws.iam.size(), aws.iam.toString());
            assertTrue(aws.iam.get(0).body().contains("Action=ListRoleTags"), aws.iam.get(0).body());
            assertTrue(aws.iam.get(0).body().contains("RoleName=" + FakeAws.ROLE), aws.iam.get(0).body());
        }
    }

    @Test
    void theProxySendsStsExactlyTheSignedRequestAndCachesTheRoleTags() throws Exception {
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws)) {
            tunnel.admin.create(AWS_BACKEND);
            AgentLogin.Request signed = signedFor(SERVER_ID);
            Map<String, String> sent = new HashMap<>(signed.stsHeaders());
            sent.put("X-Forwarded-For", "203.0.113.9");
            sent.put("Host", "evil.example.com");
            String session = sessionOf(login(tunnel, "default", new AgentLogin.Request(sent)));
            assertTrue(session.startsWith("ips_"), session);

            FakeAws.Received sts = aws.sts.get(0);
            assertEquals("POST", sts.method());
            assertEquals("/sts/", sts.path());
            assertEquals(AgentLogin.STS_BODY, sts.body());
            assertEquals(signed.header("Authorization"), sts.header("Authorization"), "passed on unchanged");
            assertEquals(signed.header("X-Amz-Date"), sts.header("X-Amz-Date"));
            assertTrue(signed.header("Authorization").contains("x-inverting-proxy-server-id"));
            Set<String> extra = new TreeSet<>(sts.headers().keySet());
            extra.removeAll(ALLOWED_AT_STS);
            assertEquals(Set.of(), extra, "only allow-listed headers reach STS");
            assertFalse("evil.example.com".equals(sts.header("Host")));

            sessionOf(login(tunnel, "default", signedFor(SERVER_ID)));
            assertEquals(2, aws.sts.size());
            assertEquals(1, aws.iam.size(), "the role's tags come from the cache the second time");
            assertEquals(200, new RawAgent(tunnel.proxy.port(), "default", session).poll().status());
        }
    }

    @Test
    void anUnknownRoleIsRefused403() throws Exception {
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws)) {
            tunnel.admin.create(AWS_BACKEND);
            aws.iamAnswer = FakeAws.noSuchRole(FakeAws.ROLE);
            RawResponse answer = login(tunnel, "default", signedFor(SERVER_ID));
            assertEquals(403, answer.status(), answer.toString());
            assertEquals("role " + FakeAws.ROLE + " is unknown to IAM\n", answer.bodyText());
        }
    }

    @Test
    void anUnknownRoleIsRememberedSoThatRetriesDoNotAskIamAgain() throws Exception {
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws)) {
            tunnel.admin.create(AWS_BACKEND);
            aws.iamAnswer = FakeAws.noSuchRole(FakeAws.ROLE);
            for (int i = 0; i < 2; i++) {
                RawResponse answer = login(tunnel, "default", signedFor(SERVER_ID));
                assertEquals(403, answer.status(), answer.toString());
                assertEquals("role " + FakeAws.ROLE + " is unknown to IAM\n", answer.bodyText());
            }
            assertEquals(2, aws.sts.size(), "each login is still verified with STS");
            assertEquals(1, aws.iam.size(), "the second login was refused from the cache");
        }
    }

    @Test
    void loginsBeyondTheLimitGet503AtOnceAndTheHeldOnesSucceedOnceStsAnswers() throws Exception {
        ExecutorService agents = Executors.newFixedThreadPool(2);
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws, "aws-max-concurrent-logins", "2")) {
            tunnel.admin.create(AWS_BACKEND);
            aws.holdStsAnswers();
            List<Future<RawResponse>> held = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                AgentLogin.Request signed = signedFor(SERVER_ID);
                held.add(agents.submit(() -> login(tunnel, "default", signed)));
            }
            assertTrue(aws.awaitStsRequests(2), "two logins wait for STS");

            // Answered while the other two are still held: it did not wait for a slot.
            RawResponse extra = login(tunnel, "default", signedFor(SERVER_ID));
            assertEquals(503, extra.status(), extra.toString());
            assertEquals("1", extra.header("Retry-After"), extra.toString());
            assertEquals("too many AWS logins are being checked at once; try again shortly\n", extra.bodyText());
            assertEquals(2, aws.sts.size(), "the extra login never reached STS");

            aws.releaseStsAnswers();
            for (Future<RawResponse> login : held) {
                assertTrue(sessionOf(login.get(10, TimeUnit.SECONDS)).startsWith("ips_"));
            }
            // Refused logins give their slot back too: with fewer slots left the last login would get 503.
            aws.stsAnswer = FakeAws.expiredSignature();
            for (int i = 0; i < 3; i++) {
                assertEquals(401, login(tunnel, "default", signedFor(SERVER_ID)).status());
            }
            aws.stsAnswer = FakeAws.callerIdentity(FakeAws.ROLE_ARN, FakeAws.ACCOUNT);
            sessionOf(login(tunnel, "default", signedFor(SERVER_ID)));
        } finally {
            agents.shutdownNow();
        }
    }

    @Test
    void aTagThatLacksTheBackendIsRefused403() throws Exception {
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws)) {
            tunnel.admin.create(AWS_BACKEND);
            aws.iamAnswer = FakeAws.roleTags("AllowedBackends", "billing, default-2 reports");
            RawResponse answer = login(tunnel, "default", signedFor(SERVER_ID));
            assertEquals(403, answer.status(), answer.toString());
            assertTrue(answer.bodyText().contains("does not name this backend"), answer.bodyText());
        }
    }

    @Test
    void anAccountOffTheListIsRefused403() throws Exception {
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws)) {
            tunnel.admin.create(AWS_BACKEND);
            aws.stsAnswer = FakeAws.callerIdentity("arn:aws:sts::210987654321:assumed-role/AgentRole/x", "210987654321");
            RawResponse answer = login(tunnel, "default", signedFor(SERVER_ID));
            assertEquals(403, answer.status(), answer.toString());
            assertEquals("AWS account 210987654321 may not serve this backend\n", answer.bodyText());
            assertEquals(0, aws.iam.size());
        }
    }

    @Test
    void aLoginSignedForAnotherProxyOrWithTheServerIdUnsignedIsRefused401() throws Exception {
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws)) {
            tunnel.admin.create(AWS_BACKEND);
            RawResponse elsewhere = login(tunnel, "default", signedFor("other-proxy.example.com"));
            assertEquals(401, elsewhere.status(), elsewhere.toString());
            assertTrue(elsewhere.bodyText().startsWith("login aimed at another proxy"), elsewhere.bodyText());

            Map<String, String> unsigned = new HashMap<>(signedWithoutServerId().stsHeaders());
            unsigned.put(AgentLogin.SERVER_ID_HEADER, SERVER_ID);
            RawResponse notSigned = login(tunnel, "default", new AgentLogin.Request(unsigned));
            assertEquals(401, notSigned.status(), notSigned.toString());
            assertEquals("login aimed at another proxy (X-Inverting-Proxy-Server-ID is not signed)\n",
                    notSigned.bodyText());
            assertEquals(0, aws.sts.size(), "neither reached STS");
        }
    }

    @Test
    void anExpiredSignatureIsRefused401WithStssReason() throws Exception {
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws)) {
            tunnel.admin.create(AWS_BACKEND);
            aws.stsAnswer = FakeAws.expiredSignature();
            RawResponse answer = login(tunnel, "default", signedFor(SERVER_ID));
            assertEquals(401, answer.status(), answer.toString());
            assertTrue(answer.bodyText().startsWith("STS refused the login: SignatureDoesNotMatch: Signature expired"),
                    answer.bodyText());
            assertEquals(1, answer.bodyText().lines().count());
        }
    }

    @Test
    void withStsDownNewAgentsGet503AndAdmittedOnesKeepServing() throws Exception {
        FakeAws aws = new FakeAws();
        try (Tunnel tunnel = proxyWith(aws)) {
            tunnel.admin.create(AWS_BACKEND);
            tunnel.startAgent(new String[] {"-aws-auth", "-aws-region", REGION, "-aws-server-id", SERVER_ID});
            tunnel.backend.behave((request, response, recorded) -> response.setStatus(200));
            aws.close();
            RawResponse answer = login(tunnel, "default", signedFor(SERVER_ID));
            assertEquals(503, answer.status(), answer.toString());
            assertEquals("STS could not be reached\n", answer.bodyText());
            for (int i = 0; i < 3; i++) {
                assertEquals(200, (int) tunnel.client.execute(new HttpGet(tunnel.uri("/still")), r -> r.getCode()));
                Thread.sleep(1100);
            }
        }
    }

    @Test
    void aBackendThatRequiresAwsIdentityRefusesItsSharedCredential() throws Exception {
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws)) {
            String credential = AdminClient.agentCredential(tunnel.admin.create(
                    "{\"id\": \"default\", \"routes\": [{\"pathPrefix\": \"/\"}], \"awsIdentity\": {\"accounts\": [\""
                            + FakeAws.ACCOUNT + "\"], \"required\": true}}"));
            RawResponse shared = new RawAgent(tunnel.proxy.port(), "default", credential).poll();
            assertEquals(403, shared.status(), shared.toString());
            assertEquals("this backend requires an AWS-verified agent (POST agent/login)\n", shared.bodyText());
            String session = sessionOf(login(tunnel, "default", signedFor(SERVER_ID)));
            assertEquals(200, new RawAgent(tunnel.proxy.port(), "default", session).poll().status());
        }
    }

    @Test
    void aSessionServesOnlyItsBackendAndNoBackendWithoutAwsIdentityTakesLogins() throws Exception {
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws)) {
            tunnel.admin.create(AWS_BACKEND);
            tunnel.admin.create("{\"id\": \"plain\", \"routes\": [{\"pathPrefix\": \"/plain/\"}]}");
            String session = sessionOf(login(tunnel, "default", signedFor(SERVER_ID)));
            assertEquals(403, new RawAgent(tunnel.proxy.port(), "plain", session).poll().status());
            RawResponse plain = login(tunnel, "plain", signedFor(SERVER_ID));
            assertEquals(401, plain.status(), plain.toString());
            assertEquals(plain.bodyText(), login(tunnel, "no-such-backend", signedFor(SERVER_ID)).bodyText());
            String forged = session.substring(0, session.length() - 4) + "AAAA";
            assertEquals(401, new RawAgent(tunnel.proxy.port(), "default", forged).poll().status());
        }
    }

    @Test
    void awsIdentityConfigsThatMakeNoSenseAre400() throws Exception {
        try (FakeAws aws = new FakeAws(); Tunnel tunnel = proxyWith(aws)) {
            for (String awsIdentity : List.of("{\"accounts\": []}", "{\"accounts\": [\"12345\"]}",
                    "{\"accounts\": [\"" + FakeAws.ACCOUNT + "\", \"" + FakeAws.ACCOUNT + "\"]}",
                    "{\"accounts\": [\"" + FakeAws.ACCOUNT + "\"], \"require\": true}")) {
                AdminClient.Answer answer = tunnel.admin.call("POST", "/api/backends", "{\"id\": \"x\", \"routes\":"
                        + " [{\"pathPrefix\": \"/\"}], \"awsIdentity\": " + awsIdentity + "}");
                assertEquals(400, answer.status(), awsIdentity + " gave " + answer.body());
                assertTrue(answer.body().contains("awsIdentity") || answer.body().contains("require"), answer.body());
            }
            AdminClient.Answer both = tunnel.admin.call("POST", "/api/backends", "{\"id\": \"x\", \"routes\":"
                    + " [{\"pathPrefix\": \"/\"}], \"legacyAgents\": {\"allowed\": true}, \"awsIdentity\":"
                    + " {\"accounts\": [\"" + FakeAws.ACCOUNT + "\"], \"required\": true}}");
            assertEquals(400, both.status(), both.body());
            assertTrue(both.body().contains("exclude each other"), both.body());
        }
    }

    // A login whose signature does not cover the server-ID header, as a replay from elsewhere would be.
    private static AgentLogin.Request signedWithoutServerId() {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(AgentLogin.stsEndpoint(REGION))
                .putHeader("Content-Type", AgentLogin.STS_CONTENT_TYPE).build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AGENT_CREDENTIALS.resolveCredentials())
                .request(request)
                .payload(ContentStreamProvider.fromUtf8String(AgentLogin.STS_BODY))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sts")
                .putProperty(AwsV4HttpSigner.REGION_NAME, REGION));
        Map<String, String> headers = new HashMap<>();
        signed.request().forEachHeader((name, values) -> headers.put(name, values.get(0)));
        return new AgentLogin.Request(headers);
    }
}
