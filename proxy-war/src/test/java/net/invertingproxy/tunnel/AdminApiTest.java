package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;

import net.invertingproxy.proxy.registry.RegistryFileException;
import net.invertingproxy.proxy.standalone.EmbeddedProxy;

/**
 * The operator's side: backends are created, read, changed and deleted through {@code /api/backends}
 * behind the admin token; secrets are shown once; a bad request changes nothing; what is stored
 * outlives a restart, and a damaged registry file stops the proxy instead of losing the backends.
 */
class AdminApiTest {
    private static final Map<String, String> QUICK_POLLS = ExtraBackends.QUICK_POLLS;
    private static final String BILLING = "{\"id\": \"billing\", \"routes\": [{\"pathPrefix\": \"/billing\"}]}";
    private static final String AGENT_CREDENTIAL = "ipa_[0-9a-f]{16}_[A-Za-z0-9_-]{43}";
    private static final String API_KEY = "ipk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}";

    @Test
    void callsWithoutTheAdminTokenAreRefused401AndChangeNothing() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            AdminClient.Answer none = tunnel.admin.call("GET", "/api/backends", null, null);
            assertEquals(401, none.status(), none.body());
            assertEquals("Bearer realm=\"inverting-proxy admin\"",
                    none.response().headers().firstValue("WWW-Authenticate").orElse(null));
            assertEquals("admin credential missing or invalid\n", none.body());
            AdminClient.Answer wrong = tunnel.admin.call("POST", "/api/backends", BILLING, Tunnel.ADMIN_TOKEN + "x");
            assertEquals(401, wrong.status(), wrong.body());
            assertTrue(wrong.response().headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer "));
            AdminClient.Answer basic = tunnel.admin.call("DELETE", "/api/backends/billing", null, null);
            assertEquals(401, basic.status());

            assertEquals("[]", tunnel.admin.call("GET", "/api/backends", null).body().strip());
            assertFalse(Files.exists(tunnel.dataDir.resolve("backends.json")), "a refused call wrote the registry");
        }
    }

    @Test
    void withoutAnAdminTokenSettingTheAdminApiIsOff() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(Tunnel.settings("admin-token", ""))) {
            for (String token : new String[] {null, Tunnel.ADMIN_TOKEN, ""}) {
                AdminClient.Answer answer = tunnel.admin.call("POST", "/api/backends", BILLING, token);
                assertEquals(404, answer.status(), answer.body());
                assertEquals("the admin API is off (set admin-token)\n", answer.body());
            }
            assertEquals(404, tunnel.admin.call("GET", "/api/backends", null).status());
            assertFalse(Files.exists(tunnel.dataDir.resolve("backends.json")));
        }
    }

    @Test
    void creatingABackendAnswers201WithItsSecretsShownOnlyThen() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            AdminClient.Answer created = tunnel.admin.call("POST", "/api/backends", "{\"id\": \"billing\","
                    + " \"routes\": [{\"pathPrefix\": \"/billing\"}],"
                    + " \"access\": {\"mode\": \"api_key\", \"apiKeyUsers\": [\"alice\", \"bob\"]}}");
            assertEquals(201, created.status(), created.body());
            assertEquals("no-store", created.response().headers().firstValue("Cache-Control").orElse(null));
            JsonObject body = created.json();
            assertEquals("billing", body.getAsJsonObject("backend").get("id").getAsString());
            JsonObject secrets = body.getAsJsonObject("secrets");
            String credential = secrets.get("agentCredential").getAsString();
            assertTrue(credential.matches(AGENT_CREDENTIAL), credential);
            assertEquals(List.of("alice", "bob"), new ArrayList<>(secrets.getAsJsonObject("apiKeys").keySet()));
            for (String user : List.of("alice", "bob")) {
                assertTrue(secrets.getAsJsonObject("apiKeys").get(user).getAsString().matches(API_KEY));
            }

            AdminClient.Answer shown = tunnel.admin.call("GET", "/api/backends/billing", null);
            assertEquals(200, shown.status(), shown.body());
            assertFalse(shown.json().has("secrets"), shown.body());
            assertFalse(shown.body().contains(secretPart(credential)), "the agent secret is shown again");
            assertFalse(shown.body().contains(secretPart(secrets.getAsJsonObject("apiKeys").get("alice").getAsString())));

            AdminClient.Answer duplicate = tunnel.admin.call("POST", "/api/backends", BILLING);
            assertEquals(409, duplicate.status(), duplicate.body());
            assertEquals("backend 'billing' exists already\n", duplicate.body());
            assertEquals(1, list(tunnel.admin).size());
            // The duplicate did not replace the original: its credential and keys still stand.
            assertEquals(2, list(tunnel.admin).get(0).getAsJsonObject().getAsJsonObject("access")
                    .getAsJsonArray("apiKeys").size());
        }
    }

    @Test
    void invalidBodiesAre400WithAOneLineReasonAndStoreNothing() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            tunnel.admin.create(BILLING);
            Path file = tunnel.dataDir.resolve("backends.json");
            byte[] stored = Files.readAllBytes(file);
            String valid = "{\"id\": \"orders\", \"routes\": [{\"pathPrefix\": \"/orders\"}]}";

            Map<String, String> reasons = new LinkedHashMap<>();
            reasons.put("{\"id\": \"orders\", \"routes\": [", "malformed JSON");
            reasons.put("{\"id\": orders, \"routes\": [{\"pathPrefix\": \"/orders\"}]}", "malformed JSON");
            reasons.put(valid + " {}", "JSON");
            reasons.put("[" + valid + "]", "the body must be a JSON object");
            reasons.put("{\"id\": \"orders\", \"routes\": [{\"pathPrefix\": \"/orders\"}],"
                    + " \"access\": {\"mode\": \"kerberos\"}}",
                    "unknown value \"kerberos\" (known: public, api_key, basic, alb_oidc) (at access.mode)");
            reasons.put("{\"id\": \"orders\", \"routes\": [{\"pathPrefix\": \"orders\"}]}",
                    "route pathPrefix must start with /");
            reasons.put("{\"id\": \"orders\", \"routes\": [{\"pathPrefix\": \"/orders\"}],"
                    + " \"access\": {\"allowedAddresses\": [\"10.0.0.0/33\"]}}", "access.allowedAddresses");
            reasons.put("{\"id\": \"orders\", \"routes\": [{\"pathPrefix\": \"/orders\"}],"
                    + " \"access\": {\"allowedAddresses\": [\"intranet\"]}}", "not an address range in CIDR notation");
            reasons.put("{\"routes\": [{\"pathPrefix\": \"/orders\"}]}", "id is required");
            reasons.put("{\"id\": \"orders\"}", "routes must name at least one route");
            reasons.put("{\"id\": \"../orders\", \"routes\": [{\"pathPrefix\": \"/orders\"}]}", "id must be");

            // Every body is tried, and every wrong answer reported together.
            List<String> wrongAnswers = new ArrayList<>();
            for (Map.Entry<String, String> bad : reasons.entrySet()) {
                String shortBody = bad.getKey().length() > 120 ? bad.getKey().substring(0, 120) + "..." : bad.getKey();
                AdminClient.Answer answer = tunnel.admin.call("POST", "/api/backends", bad.getKey());
                String body = answer.body();
                boolean oneLine = body.endsWith("\n") && body.indexOf('\n') == body.length() - 1 && !body.isBlank();
                if (answer.status() != 400 || !oneLine || !body.contains(bad.getValue())) {
                    wrongAnswers.add(shortBody + " gave " + answer.status() + " " + body.strip()
                            + " (expected 400 with one line containing \"" + bad.getValue() + "\")");
                }
            }
            // A body beyond 1 MiB is no backend description: 413, read to its end so the client
            // sees the refusal rather than a reset, and nothing is stored.
            AdminClient.Answer huge = tunnel.admin.call("POST", "/api/backends", "{\"id\": \"orders\", \"routes\":"
                    + " [{\"pathPrefix\": \"/orders\"}], \"pad\": \"" + "x".repeat(1 << 20) + "\"}");
            assertEquals(413, huge.status(), huge.body());
            assertEquals("the body is larger than 1048576 bytes\n", huge.body());
            assertEquals(404, tunnel.admin.call("GET", "/api/backends/orders", null).status());
            // A change that breaks a rule is refused the same way and leaves the backend as it was.
            AdminClient.Answer badUpdate = tunnel.admin.call("PUT", "/api/backends/billing",
                    "{\"routes\": [{\"pathPrefix\": \"/billing\", \"stripPrefix\": true, \"host\": \"bad host\"}]}");
            assertEquals(400, badUpdate.status(), badUpdate.body());
            assertOneLine(badUpdate.body(), "the bad update");

            JsonArray backends = list(tunnel.admin);
            assertEquals(1, backends.size(), backends.toString());
            assertEquals("billing", backends.get(0).getAsJsonObject().get("id").getAsString());
            assertArrayEquals(stored, Files.readAllBytes(file), "a refused call changed the registry file");
            assertEquals(List.of(), wrongAnswers);
        }
    }

    @Test
    void badJsonIsExplainedInTheWritersTermsNotTheParsers() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            String valid = "{\"id\": \"orders\", \"routes\": [{\"pathPrefix\": \"/orders\"}]}";
            AdminClient.Answer trailing = tunnel.admin.call("POST", "/api/backends", valid + " {}");
            assertEquals(400, trailing.status(), trailing.body());
            AdminClient.Answer unquoted = tunnel.admin.call("POST", "/api/backends", valid.replace("\"orders\",", "orders,"));
            assertEquals(400, unquoted.status(), unquoted.body());

            // Advice on the parser's Java API (Strictness.LENIENT) means nothing to someone using curl.
            assertAll(
                    () -> assertEquals("the body holds data after the JSON object\n", trailing.body()),
                    () -> assertFalse(unquoted.body().contains("JsonReader") || unquoted.body().contains("com.google"),
                            unquoted.body()),
                    () -> assertTrue(unquoted.body().startsWith("malformed JSON"), unquoted.body()));
        }
    }

    @Test
    void aMisspelledFieldIsRefusedRatherThanIgnored() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            // Ignoring "acess" would create a backend open to everyone instead of one behind Basic.
            AdminClient.Answer answer = tunnel.admin.call("POST", "/api/backends", "{\"id\": \"payroll\","
                    + " \"routes\": [{\"pathPrefix\": \"/payroll\"}], \"acess\": {\"mode\": \"basic\","
                    + " \"basicUsers\": [\"hr\"]}}");
            assertEquals(400, answer.status(), "a body with the unknown field \"acess\" gave " + answer.status()
                    + ": " + answer.body());
            assertOneLine(answer.body(), "acess");
            assertTrue(answer.body().contains("acess"), answer.body());
            assertEquals(0, list(tunnel.admin).size());
        }
    }

    @Test
    void listAndGetShowEachBackendWithoutSecretsButWithItsAgentsAndLastUse() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create(BILLING);
            extra.create("{\"id\": \"reports\", \"routes\": [{\"pathPrefix\": \"/reports\"}],"
                    + " \"access\": {\"mode\": \"basic\", \"basicUsers\": [\"bob\"]}, \"limits\": {\"maxInFlight\": 3}}");

            JsonArray listed = list(tunnel.admin);
            assertEquals(List.of("billing", "reports"), ids(listed));
            JsonObject billing = listed.get(0).getAsJsonObject();
            assertEquals(0, billing.get("connectedAgents").getAsInt());
            assertTrue(!billing.has("lastUsed") || billing.get("lastUsed").isJsonNull(), billing.toString());
            JsonObject reports = get(tunnel.admin, "reports");
            assertEquals("basic", reports.getAsJsonObject("access").get("mode").getAsString());
            assertEquals("[\"bob\"]", reports.getAsJsonObject("access").getAsJsonArray("basicUsers").toString());
            assertEquals(3, reports.getAsJsonObject("limits").get("maxInFlight").getAsInt());
            String everything = tunnel.admin.call("GET", "/api/backends", null).body();
            for (String hidden : List.of("secrets", "sha256", "salt", "passwordHash", secretPart(credential))) {
                assertFalse(everything.contains(hidden), "the listing shows " + hidden + ": " + everything);
            }

            TestBackend backend = extra.backend("billing");
            extra.connectedAgent("billing", credential, backend);
            assertEquals(1, get(tunnel.admin, "billing").get("connectedAgents").getAsInt());
            assertEquals(0, get(tunnel.admin, "reports").get("connectedAgents").getAsInt());

            Instant before = Instant.now().minusMillis(1);
            assertEquals(200, ExtraBackends.get(tunnel, "/billing/invoice").status());
            Instant lastUsed = Instant.parse(get(tunnel.admin, "billing").get("lastUsed").getAsString());
            assertFalse(lastUsed.isBefore(before), lastUsed + " is before the request at " + before);
            assertFalse(lastUsed.isAfter(Instant.now()), lastUsed + " is in the future");
            JsonElement unused = get(tunnel.admin, "reports").get("lastUsed");
            assertTrue(unused == null || unused.isJsonNull(), "reports had no request: " + unused);
        }
    }

    @Test
    void connectedAgentsCountsEveryAgentOfABackendEvenOnOneHost() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create(BILLING);
            TestBackend backend = extra.backend("billing");
            extra.connectedAgent("billing", credential, backend);
            extra.agent("billing", credential, backend);

            // Two agents on one host, as in a pod with two replicas behind one NAT address.
            long deadline = System.nanoTime() + 5_000_000_000L;
            int counted;
            while ((counted = extra.connectedAgents("billing")) < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(2, counted, "two agents poll for billing, the admin API counts " + counted);
        }
    }

    @Test
    void anUpdateKeepsTheAgentCredentialAndExistingKeysAndIssuesKeysOnlyForNewUsers() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            JsonObject created = tunnel.admin.create("{\"id\": \"billing\", \"routes\": [{\"pathPrefix\": \"/billing\"}],"
                    + " \"access\": {\"mode\": \"api_key\", \"apiKeyUsers\": [\"alice\"]}}");
            String credential = AdminClient.agentCredential(created);
            String aliceKey = created.getAsJsonObject("secrets").getAsJsonObject("apiKeys").get("alice").getAsString();
            String keyId = created.getAsJsonObject("backend").getAsJsonArray("agentCredentials").get(0)
                    .getAsJsonObject().get("keyId").getAsString();

            AdminClient.Answer updated = tunnel.admin.call("PUT", "/api/backends/billing", "{\"routes\":"
                    + " [{\"pathPrefix\": \"/invoices\"}], \"access\": {\"mode\": \"api_key\","
                    + " \"apiKeyUsers\": [\"alice\", \"carol\"]}}");
            assertEquals(200, updated.status(), updated.body());
            JsonObject secrets = updated.json().getAsJsonObject("secrets");
            assertTrue(!secrets.has("agentCredential") || secrets.get("agentCredential").isJsonNull(),
                    "an update issued a new agent credential: " + secrets);
            assertEquals(List.of("carol"), new ArrayList<>(secrets.getAsJsonObject("apiKeys").keySet()));
            String carolKey = secrets.getAsJsonObject("apiKeys").get("carol").getAsString();
            JsonObject backend = updated.json().getAsJsonObject("backend");
            assertEquals(keyId, backend.getAsJsonArray("agentCredentials").get(0).getAsJsonObject().get("keyId")
                    .getAsString());
            assertTrue(Instant.parse(backend.get("updated").getAsString())
                    .isAfter(Instant.parse(backend.get("created").getAsString()).minusNanos(1)));

            // The agent deployed with the original credential still serves, on the new route, both users.
            TestBackend served = extra.backend("billing");
            extra.connectedAgent("billing", credential, served);
            assertEquals(404, ExtraBackends.get(tunnel, "/billing/x", "X-Api-Key: " + aliceKey).status());
            RawResponse alice = ExtraBackends.get(tunnel, "/invoices/1", "X-Api-Key: " + aliceKey);
            assertEquals(200, alice.status(), alice.toString());
            RawResponse carol = ExtraBackends.get(tunnel, "/invoices/2", "X-Api-Key: " + carolKey);
            assertEquals(200, carol.status(), carol.toString());

            // Naming alice no more withdraws her key.
            assertEquals(200, tunnel.admin.call("PUT", "/api/backends/billing", "{\"routes\":"
                    + " [{\"pathPrefix\": \"/invoices\"}], \"access\": {\"mode\": \"api_key\","
                    + " \"apiKeyUsers\": [\"carol\"]}}").status());
            assertEquals(401, ExtraBackends.get(tunnel, "/invoices/3", "X-Api-Key: " + aliceKey).status());
            assertEquals(200, ExtraBackends.get(tunnel, "/invoices/4", "X-Api-Key: " + carolKey).status());
            // An update cannot rename a backend.
            AdminClient.Answer renamed = tunnel.admin.call("PUT", "/api/backends/billing",
                    "{\"id\": \"other\", \"routes\": [{\"pathPrefix\": \"/invoices\"}]}");
            assertEquals(400, renamed.status(), renamed.body());
            assertEquals(404, tunnel.admin.call("PUT", "/api/backends/nobody", BILLING.replace("billing", "nobody"))
                    .status());
        }
    }

    @Test
    void deleteAnswers204AndThenTheBackendIsGone() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            tunnel.admin.create(BILLING);
            tunnel.admin.create("{\"id\": \"reports\", \"routes\": [{\"pathPrefix\": \"/reports\"}]}");

            AdminClient.Answer deleted = tunnel.admin.call("DELETE", "/api/backends/billing", null);
            assertEquals(204, deleted.status(), deleted.body());
            assertEquals("", deleted.body());

            assertEquals(404, tunnel.admin.call("GET", "/api/backends/billing", null).status());
            AdminClient.Answer again = tunnel.admin.call("DELETE", "/api/backends/billing", null);
            assertEquals(404, again.status());
            assertEquals("no backend 'billing'\n", again.body());
            assertEquals(List.of("reports"), ids(list(tunnel.admin)));
            assertFalse(Files.readString(tunnel.dataDir.resolve("backends.json")).contains("\"billing\""));
        }
    }

    @Test
    void theRegistryAndItsCredentialsSurviveARestart() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            String credential = AdminClient.agentCredential(tunnel.admin.create(BILLING));
            tunnel.proxy.stop();

            try (EmbeddedProxy restarted = EmbeddedProxy.start(options(tunnel.dataDir))) {
                AdminClient admin = new AdminClient(restarted.baseUri(), Tunnel.ADMIN_TOKEN);
                assertEquals(List.of("billing"), ids(list(admin)));
                RawResponse poll = new RawAgent(restarted.port(), "billing", credential).poll();
                assertEquals(200, poll.status(), "the agent's credential after the restart: " + poll);
                String wrong = credential.substring(0, credential.length() - 1)
                        + (credential.endsWith("A") ? "B" : "A");
                assertEquals(401, new RawAgent(restarted.port(), "billing", wrong).poll().status());
            }
        }
    }

    @Test
    void aRegistryFileCutShortStopsTheStartNamingTheFile() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS)) {
            tunnel.admin.create(BILLING);
            tunnel.admin.create("{\"id\": \"reports\", \"routes\": [{\"pathPrefix\": \"/reports\"}]}");
            tunnel.proxy.stop();
            Path file = tunnel.dataDir.resolve("backends.json");
            byte[] whole = Files.readAllBytes(file);
            Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));

            Exception failure = assertThrows(Exception.class, () -> EmbeddedProxy.start(options(tunnel.dataDir)).stop());

            // The web application's start-up fails with the registry's fault as its own message, and the start rethrows it.
            assertEquals(IllegalStateException.class, failure.getClass(), failure::toString);
            assertInstanceOf(RegistryFileException.class, failure.getCause());
            assertEquals(file.toAbsolutePath(), ((RegistryFileException) failure.getCause()).file().toAbsolutePath());
            String expected = "registry file " + file.toAbsolutePath() + " is corrupt: JSON ends early";
            assertTrue(failure.getMessage() != null && failure.getMessage().startsWith(expected),
                    "the start failed with " + failure);
            assertTrue(failure.getMessage().endsWith("(cut short?)"), failure.getMessage());
            assertFalse(failure.getMessage().contains("\n"), failure.getMessage());
            // Nothing was rewritten: the operator still has the half file to repair.
            assertEquals(whole.length / 2, Files.size(file));
        }
    }

    private static EmbeddedProxy.Options options(Path dataDir) {
        return EmbeddedProxy.Options.of(Tunnel.WEBAPP)
                .withInitParameter("data-dir", dataDir.toString())
                .withInitParameter("admin-token", Tunnel.ADMIN_TOKEN)
                .withInitParameter("poll-hold-seconds", "1");
    }

    private static JsonArray list(AdminClient admin) throws Exception {
        AdminClient.Answer answer = admin.call("GET", "/api/backends", null);
        assertEquals(200, answer.status(), answer.body());
        return JsonParser.parseString(answer.body()).getAsJsonArray();
    }

    private static JsonObject get(AdminClient admin, String id) throws Exception {
        AdminClient.Answer answer = admin.call("GET", "/api/backends/" + id, null);
        assertEquals(200, answer.status(), answer.body());
        return answer.json();
    }

    private static List<String> ids(JsonArray backends) {
        List<String> ids = new ArrayList<>();
        backends.forEach(backend -> ids.add(backend.getAsJsonObject().get("id").getAsString()));
        return ids;
    }

    // The part of an issued token (kind_keyId_secret) that only its holder may know; the secret may hold '_' too.
    private static String secretPart(String token) {
        return token.substring("ipa_0123456789abcdef_".length());
    }

    private static void assertOneLine(String body, String what) {
        assertTrue(body.endsWith("\n") && body.indexOf('\n') == body.length() - 1 && body.strip().length() > 0,
                what + ": the reason is not one line: " + body);
    }
}
