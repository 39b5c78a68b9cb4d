package net.invertingproxy.tunnel;

import java.nio.charset.StandardCharsets;
import java.util.List;

import net.invertingproxy.protocol.WireHeaders;

/**
 * What {@link AwsOffByDefaultTest} runs in a fresh class loader: a proxy with AWS logins set up,
 * a backend served with its shared credential, a login for a backend without {@code awsIdentity}
 * and, if asked, one for a backend with it.
 */
public final class AwsOffProbe {
    private AwsOffProbe() {
    }

    /** Runs the proxy through those calls and returns the statuses they got. */
    public static List<Integer> run(boolean loginToAnAwsBackend) throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(Tunnel.settings("poll-hold-seconds", "1",
                "aws-server-id", "proxy.test", "aws-region", "us-east-1", "aws-sts-endpoint", "http://127.0.0.1:1/"))) {
            String credential = AdminClient.agentCredential(tunnel.admin.create(
                    "{\"id\": \"plain\", \"routes\": [{\"pathPrefix\": \"/\"}]}"));
            int poll = new RawAgent(tunnel.proxy.port(), "plain", credential).poll().status();
            int plainLogin = login(tunnel, "plain");
            if (!loginToAnAwsBackend) {
                return List.of(poll, plainLogin);
            }
            tunnel.admin.create("{\"id\": \"aws\", \"routes\": [{\"pathPrefix\": \"/aws/\"}],"
                    + " \"awsIdentity\": {\"accounts\": [\"123456789012\"]}}");
            return List.of(poll, plainLogin, login(tunnel, "aws"));
        }
    }

    private static int login(Tunnel tunnel, String backendId) throws Exception {
        String body = "{\"stsHeaders\": {\"Authorization\": \"AWS4-HMAC-SHA256 Credential=x, SignedHeaders="
                + "host;x-amz-date;x-inverting-proxy-server-id, Signature=00\", \"X-Amz-Date\": \"20260101T000000Z\","
                + " \"X-Inverting-Proxy-Server-ID\": \"proxy.test\"}}";
        return new RawAgent(tunnel.proxy.port()).call("POST", "/agent/login",
                List.of(WireHeaders.BACKEND_ID + ": " + backendId, "Content-Type: application/json"),
                body.getBytes(StandardCharsets.UTF_8)).status();
    }
}
