package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonObject;

import org.junit.jupiter.api.Test;

/**
 * No credential, cookie or token that crosses the tunnel reaches a log, at any level: the
 * project's own loggers never print one, and what libraries print at debug level (Jetty's parser,
 * HttpClient's header log) comes out of the formatter the executables install redacted.
 */
class SecretsStayOutOfLogsTest {
    private static final Map<String, String> QUICK_POLLS = Tunnel.settings("poll-hold-seconds", "1");
    private static final String BEARER = "client-bearer-7Qz1x";
    private static final String COOKIE = "cookie-value-9Kd2w";
    private static final String SET_COOKIE = "set-cookie-value-3Vn8p";
    private static final String API_KEY_HEADER_VALUE = "api-key-value-5Hs4m";

    @Test
    void noSecretReachesAnyLogWhateverTheLevel() throws Exception {
        List<String> secrets;
        try (Tunnel tunnel = Tunnel.withoutAgent(QUICK_POLLS); LoggedEverything logs = LoggedEverything.start()) {
            tunnel.backend.behave((request, response, recorded) -> {
                response.setHeader("Set-Cookie", "sid=" + SET_COOKIE + "; HttpOnly");
                response.setStatus(200);
            });
            tunnel.startAgent(new String[] {"-debug"});
            JsonObject created = tunnel.admin.create("{\"id\": \"reports\", \"routes\": [{\"pathPrefix\": \"/r/\"}],"
                    + " \"access\": {\"mode\": \"basic\", \"basicUsers\": [\"bob\"]}}");
            String password = created.getAsJsonObject("secrets").getAsJsonObject("basicPasswords")
                    .get("bob").getAsString();
            String reportsCredential = AdminClient.agentCredential(created);
            String wrongCredential = tunnel.agentCredential().substring(0, tunnel.agentCredential().length() - 3) + "zzz";
            secrets = List.of(BEARER, COOKIE, SET_COOKIE, API_KEY_HEADER_VALUE, password, basic("bob", password),
                    secretOf(tunnel.agentCredential()), secretOf(reportsCredential), secretOf(wrongCredential),
                    Tunnel.ADMIN_TOKEN, "wrong-admin-token-x8");

            RawResponse answer = ExtraBackends.get(tunnel, "/private", "Authorization: Bearer " + BEARER,
                    "Cookie: sid=" + COOKIE, "X-Api-Key: " + API_KEY_HEADER_VALUE);
            assertEquals(200, answer.status(), answer.toString());
            assertTrue(answer.header("Set-Cookie").contains(SET_COOKIE), "the backend's cookie never arrived");
            assertEquals(401, ExtraBackends.get(tunnel, "/r/x", "Authorization: Basic " + basic("bob", password + "x"))
                    .status());
            assertEquals(401, new RawAgent(tunnel.proxy.port(), "default", wrongCredential).poll().status());
            assertEquals(401, tunnel.admin.call("GET", "/api/backends", null, "wrong-admin-token-x8").status());
            tunnel.agent().stop(java.time.Duration.ofSeconds(1));

            assertTrue(logs.thirdPartyLinesHolding(BEARER) > 0,
                    "no library logged the client's credential before redaction: the capture is not at debug level");
            for (String secret : secrets) {
                assertEquals(List.of(), logs.ownLinesHolding(secret), "the project logged a secret");
                assertEquals(List.of(), logs.formattedLinesHolding(secret), "a log line kept a secret after redaction");
            }
            assertFalse(logs.formattedLines().isEmpty());
        }
    }

    private static String basic(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    // ipa_<key id>_<secret>: the key ID may be logged, the secret never.
    private static String secretOf(String credential) {
        return credential.substring(credential.indexOf('_', credential.indexOf('_') + 1) + 1);
    }
}
