package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.google.gson.JsonObject;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.junit.jupiter.api.Test;

import net.invertingproxy.protocol.RequestIds;

/**
 * Agents reach only their own backend: every agent call carries the backend's credential, and a
 * caller without one, or with another backend's, is refused and learns nothing of the requests.
 */
class AgentAuthenticationTest {
    // A valid poll is held until work comes; held briefly here, a test's valid poll answers in a second.
    private static final java.util.Map<String, String> QUICK_POLLS = Tunnel.settings("poll-hold-seconds", "1");
    private static final String BILLING = "{\"id\": \"billing\", \"routes\": [{\"pathPrefix\": \"/billing/\"}]}";
    private static final String REPORTS = "{\"id\": \"reports\", \"routes\": [{\"pathPrefix\": \"/reports/\"}]}";

    @Test
    void anAgentWithoutACredentialIsRefused401() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            tunnel.admin.create(BILLING);
            RawResponse poll = new RawAgent(tunnel.proxy.port(), "billing").poll();
            assertEquals(401, poll.status(), poll.toString());
            assertEquals("agent credential required\n", poll.bodyText());
            // Unknown backends answer exactly the same: a caller cannot even learn which backends exist.
            RawResponse unknown = new RawAgent(tunnel.proxy.port(), "no-such-backend").poll();
            assertEquals(poll.status(), unknown.status());
            assertEquals(poll.bodyText(), unknown.bodyText());
        }
    }

    @Test
    void anotherBackendsCredentialIsRefused403AndLearnsNothing() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            String billingCredential = AdminClient.agentCredential(tunnel.admin.create(BILLING));
            String reportsCredential = AdminClient.agentCredential(tunnel.admin.create(REPORTS));
            int port = tunnel.proxy.port();
            RawAgent billingAgent = new RawAgent(port, "billing", billingCredential);
            billingAgent.pollIds();
            CompletableFuture<Integer> client = CompletableFuture.supplyAsync(() -> status(tunnel, "/billing/invoice"));
            String requestId = billingAgent.pollIds().get(0);

            RawAgent intruder = new RawAgent(port, "billing", reportsCredential);
            assertEquals(403, intruder.poll().status());
            RawResponse read = intruder.readRequest(requestId);
            assertEquals(403, read.status(), read.toString());
            assertFalse(read.bodyText().contains("invoice"), read.bodyText());
            assertEquals(403, intruder.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged").status());
            // Naming its own backend does not help: the ID is unknown to it, exactly like a guessed one.
            RawAgent ownBackend = new RawAgent(port, "reports", reportsCredential);
            String guessed = RequestIds.next();
            RawResponse foreignId = ownBackend.readRequest(requestId);
            RawResponse guessedId = ownBackend.readRequest(guessed);
            assertEquals(404, foreignId.status());
            assertEquals(guessedId.status(), foreignId.status());
            assertEquals(guessedId.bodyText().replace(guessed, "ID"), foreignId.bodyText().replace(requestId, "ID"));

            // Nothing the intruder did touched the exchange: the rightful agent still answers it.
            assertEquals(200, billingAgent.readRequest(requestId).status());
            assertEquals(200, billingAgent.postResponse(requestId, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal").status());
            assertEquals(200, client.get());
        }
    }

    @Test
    void aWrongOrMalformedCredentialIsRefused401() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            String credential = AdminClient.agentCredential(tunnel.admin.create(BILLING));
            int port = tunnel.proxy.port();
            String wrongSecret = credential.substring(0, credential.length() - 4) + "AAAA";
            for (String presented : List.of(wrongSecret, "ipa_0123456789abcdef_" + "A".repeat(43), "garbage", "ipa_x_y")) {
                RawResponse poll = new RawAgent(port, "billing", presented).poll();
                assertEquals(401, poll.status(), presented + " gave " + poll);
                assertFalse(poll.bodyText().contains(presented), "the answer must not echo the credential");
            }
            assertEquals(200, new RawAgent(port, "billing", credential).poll().status());
        }
    }

    @Test
    void legacyAgentsOnlyWhereABackendOptsInAndOnlyFromItsRanges() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            tunnel.admin.create("{\"id\": \"near\", \"routes\": [{\"pathPrefix\": \"/near/\"}],"
                    + " \"legacyAgents\": {\"allowed\": true, \"sourceRanges\": [\"127.0.0.0/8\", \"::1/128\"]}}");
            tunnel.admin.create("{\"id\": \"far\", \"routes\": [{\"pathPrefix\": \"/far/\"}],"
                    + " \"legacyAgents\": {\"allowed\": true, \"sourceRanges\": [\"10.0.0.0/8\"]}}");
            tunnel.admin.create(BILLING);
            int port = tunnel.proxy.port();
            assertEquals(200, new RawAgent(port, "near").poll().status());
            RawResponse far = new RawAgent(port, "far").poll();
            assertEquals(401, far.status(), far.toString());
            assertEquals(401, new RawAgent(port, "billing").poll().status());
        }
    }

    @Test
    void credentialsRollWithTwoValidAtOnce() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            JsonObject created = tunnel.admin.create(BILLING);
            String first = AdminClient.agentCredential(created);
            String firstKeyId = created.getAsJsonObject("backend").getAsJsonArray("agentCredentials").get(0)
                    .getAsJsonObject().get("keyId").getAsString();
            AdminClient.Answer issued = tunnel.admin.call("POST", "/api/backends/billing/agent-credentials", null);
            assertEquals(201, issued.status(), issued.body());
            String second = issued.json().get("agentCredential").getAsString();
            int port = tunnel.proxy.port();
            assertEquals(200, new RawAgent(port, "billing", first).poll().status());
            assertEquals(200, new RawAgent(port, "billing", second).poll().status());
            assertEquals(409, tunnel.admin.call("POST", "/api/backends/billing/agent-credentials", null).status());

            assertEquals(204, tunnel.admin.call("DELETE", "/api/backends/billing/agent-credentials/" + firstKeyId, null)
                    .status());
            assertEquals(401, new RawAgent(port, "billing", first).poll().status());
            assertEquals(200, new RawAgent(port, "billing", second).poll().status());
        }
    }

    @Test
    void theRegistryKeepsOnlyHashesOfSecrets() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            String credential = AdminClient.agentCredential(tunnel.admin.create(BILLING));
            String stored = Files.readString(tunnel.dataDir.resolve("backends.json"));
            String secret = credential.substring(credential.lastIndexOf('_') + 1);
            assertTrue(stored.contains("\"billing\""), stored);
            assertFalse(stored.contains(secret), "the secret itself must never be stored");
            AdminClient.Answer shown = tunnel.admin.call("GET", "/api/backends/billing", null);
            assertFalse(shown.body().contains(secret), "a secret is shown once, at creation only");
        }
    }

    private static int status(Tunnel tunnel, String target) {
        try {
            return tunnel.client.execute(new HttpGet(tunnel.uri(target)), response -> response.getCode());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
