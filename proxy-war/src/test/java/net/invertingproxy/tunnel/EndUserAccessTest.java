package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.Test;

/**
 * Each backend decides who may use it: the proxy checks the end user's API key, Basic password,
 * ALB-signed identity or address before anything is parked, refuses the rest itself (no agent or
 * backend ever sees them), passes the verified user on to the backend, and keeps the user's proxy
 * credential from the backend.
 */
class EndUserAccessTest {
    private static final Map<String, String> QUICK_POLLS = ExtraBackends.QUICK_POLLS;
    private static final String USER_ID = "X-Inverting-Proxy-User-ID";
    // Issued keys are ipk_<16 hex key ID>_<secret>; the secret may itself hold '_'.
    private static final int SECRET_START = "ipk_0123456789abcdef_".length();
    private static final String ALB_ARN =
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/test-alb/50dc6c495c0c9188";

    @Test
    void anApiKeyBackendLetsInOnlyItsKeysAndTellsTheBackendWhoCame() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            JsonObject created = tunnel.admin.create("{\"id\": \"orders\", \"routes\": [{\"pathPrefix\": \"/\"}],"
                    + " \"access\": {\"mode\": \"api_key\", \"apiKeyUsers\": [\"alice\"]}}");
            String key = secrets(created, "apiKeys").get("alice").getAsString();
            TestBackend orders = extra.backend("orders");
            extra.connectedAgent("orders", AdminClient.agentCredential(created), orders, "-forward-user-id");

            RawResponse none = ExtraBackends.get(tunnel, "/orders/1");
            assertEquals(401, none.status(), none.toString());
            assertEquals("ApiKey header=\"X-Api-Key\"", none.header("WWW-Authenticate"));
            assertEquals("API key missing\n", none.bodyText());
            RawResponse wrong = ExtraBackends.get(tunnel, "/orders/2", "X-Api-Key: " + withWrongSecret(key));
            assertEquals(401, wrong.status(), wrong.toString());
            assertEquals("API key not accepted\n", wrong.bodyText());
            assertEquals("ApiKey header=\"X-Api-Key\"", wrong.header("WWW-Authenticate"));
            RawResponse unknown = ExtraBackends.get(tunnel, "/orders/3", "X-Api-Key: ipk_0123456789abcdef_" + "A".repeat(43));
            assertEquals(401, unknown.status(), unknown.toString());

            // A client may not name its own user: the proxy's verified one replaces it.
            RawResponse right = ExtraBackends.get(tunnel, "/orders/4", "X-Api-Key: " + key, USER_ID + ": mallory");
            assertEquals(200, right.status(), right.toString());
            TestBackend.RecordedRequest seen = orders.nextRequest();
            // The first request the backend ever saw is the one with the right key: no refused one was parked.
            assertEquals("/orders/4", seen.target());
            assertEquals(List.of("alice"), seen.headerValues(USER_ID));
            assertEquals(List.of(), seen.headerValues("X-Api-Key"));
            assertNoHeaderHolds(seen, key.substring(SECRET_START));
        }
    }

    @Test
    void aBasicBackendLetsInOnlyItsUsersAndKeepsTheirPasswordsFromTheBackend() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            JsonObject created = tunnel.admin.create("{\"id\": \"reports\", \"routes\": [{\"pathPrefix\": \"/\"}],"
                    + " \"access\": {\"mode\": \"basic\", \"basicUsers\": [\"bob\"]}}");
            String password = secrets(created, "basicPasswords").get("bob").getAsString();
            TestBackend reports = extra.backend("reports");
            extra.connectedAgent("reports", AdminClient.agentCredential(created), reports, "-forward-user-id");

            RawResponse none = ExtraBackends.get(tunnel, "/r/1");
            assertEquals(401, none.status(), none.toString());
            assertEquals("Basic realm=\"reports\", charset=\"UTF-8\"", none.header("WWW-Authenticate"));
            RawResponse wrong = ExtraBackends.get(tunnel, "/r/2", basic("bob", password + "x"));
            assertEquals(401, wrong.status(), wrong.toString());
            assertEquals("wrong user or password\n", wrong.bodyText());
            assertEquals("Basic realm=\"reports\", charset=\"UTF-8\"", wrong.header("WWW-Authenticate"));
            RawResponse stranger = ExtraBackends.get(tunnel, "/r/3", basic("eve", password));
            assertEquals(401, stranger.status(), stranger.toString());
            RawResponse bearer = ExtraBackends.get(tunnel, "/r/4", "Authorization: Bearer " + password);
            assertEquals(401, bearer.status(), bearer.toString());

            RawResponse right = ExtraBackends.get(tunnel, "/r/5", basic("bob", password));
            assertEquals(200, right.status(), right.toString());
            TestBackend.RecordedRequest seen = reports.nextRequest();
            assertEquals("/r/5", seen.target());
            assertEquals(List.of("bob"), seen.headerValues(USER_ID));
            assertEquals(List.of(), seen.headerValues("Authorization"));
            assertNoHeaderHolds(seen, password);
        }
    }

    @Test
    void anAddressAllowListRefusesOtherClientsEvenWhenTheyClaimAnAllowedAddress() throws Exception {
        try (Tunnel tunnel = Tunnel.withoutBackends(QUICK_POLLS); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create("{\"id\": \"internal\", \"routes\": [{\"pathPrefix\": \"/\"}],"
                    + " \"access\": {\"allowedAddresses\": [\"10.0.0.0/8\"]}}");
            TestBackend internal = extra.backend("internal");
            extra.connectedAgent("internal", credential, internal);

            RawResponse loopback = ExtraBackends.get(tunnel, "/i/1");
            assertEquals(403, loopback.status(), loopback.toString());
            assertEquals("client address not allowed\n", loopback.bodyText());
            assertNull(loopback.header("WWW-Authenticate"));
            // The peer (loopback) is no trusted proxy: what it writes in X-Forwarded-For counts for nothing.
            RawResponse spoofed = ExtraBackends.get(tunnel, "/i/2", "X-Forwarded-For: 10.1.2.3");
            assertEquals(403, spoofed.status(), spoofed.toString());

            // Once the operator allows loopback too, the next request is the first the backend ever sees.
            AdminClient.Answer widened = tunnel.admin.call("PUT", "/api/backends/internal", "{\"routes\":"
                    + " [{\"pathPrefix\": \"/\"}], \"access\": {\"allowedAddresses\": [\"10.0.0.0/8\", \"127.0.0.0/8\"]}}");
            assertEquals(200, widened.status(), widened.body());
            assertEquals(200, ExtraBackends.get(tunnel, "/i/3").status());
            assertEquals("/i/3", internal.nextRequest().target());
        }
    }

    @Test
    void behindATrustedProxyTheForwardedClientAddressIsTheOneChecked() throws Exception {
        Map<String, String> settings = Tunnel.settings("poll-hold-seconds", "1",
                "trusted-proxies", "127.0.0.1/32,::1/128");
        try (Tunnel tunnel = Tunnel.withoutBackends(settings); ExtraBackends extra = new ExtraBackends(tunnel)) {
            String credential = extra.create("{\"id\": \"internal\", \"routes\": [{\"pathPrefix\": \"/\"}],"
                    + " \"access\": {\"allowedAddresses\": [\"10.0.0.0/8\"]}}");
            TestBackend internal = extra.backend("internal");
            extra.connectedAgent("internal", credential, internal);

            RawResponse forwarded = ExtraBackends.get(tunnel, "/i/1", "X-Forwarded-For: 10.1.2.3");
            assertEquals(200, forwarded.status(), forwarded.toString());
            assertEquals("/i/1", internal.nextRequest().target());
            // The trusted proxy itself is not in the allow-list...
            assertEquals(403, ExtraBackends.get(tunnel, "/i/2").status());
            // ...and an address the client wrote in front of an untrusted hop is not believed either.
            assertEquals(403, ExtraBackends.get(tunnel, "/i/3", "X-Forwarded-For: 10.1.2.3, 192.0.2.7").status());
            assertEquals(200, ExtraBackends.get(tunnel, "/i/4", "X-Forwarded-For: 192.0.2.7, 10.9.9.9").status());
            assertEquals("/i/4", internal.nextRequest().target());
        }
    }

    @Test
    void anAlbOidcBackendRefusesRequestsWithoutAValidAlbToken() throws Exception {
        try (AlbKeyServer keys = new AlbKeyServer()) {
            Map<String, String> settings = Tunnel.settings("poll-hold-seconds", "1",
                    "alb-public-keys-url", keys.urlTemplate());
            try (Tunnel tunnel = Tunnel.withoutBackends(settings); ExtraBackends extra = new ExtraBackends(tunnel)) {
                String credential = extra.create("{\"id\": \"portal\", \"routes\": [{\"pathPrefix\": \"/\"}],"
                        + " \"access\": {\"mode\": \"alb_oidc\", \"albArn\": \"" + ALB_ARN + "\"}}");
                TestBackend portal = extra.backend("portal");
                extra.connectedAgent("portal", credential, portal, "-forward-user-id");
                long inFiveMinutes = System.currentTimeMillis() / 1000 + 300;

                RawResponse none = ExtraBackends.get(tunnel, "/p/1");
                assertEquals(401, none.status(), none.toString());
                assertEquals("OIDC token missing\n", none.bodyText());
                // Signed by a key that is not the ALB's, under the ALB's key ID.
                AlbKey impostor = new AlbKey();
                RawResponse forged = ExtraBackends.get(tunnel, "/p/2",
                        "x-amzn-oidc-data: " + impostor.token("kid-1", ALB_ARN, "mallory", inFiveMinutes));
                assertEquals(401, forged.status(), forged.toString());
                assertEquals("OIDC token signature invalid\n", forged.bodyText());
                RawResponse expired = ExtraBackends.get(tunnel, "/p/3",
                        "x-amzn-oidc-data: " + keys.alb.token("kid-1", ALB_ARN, "carol", inFiveMinutes - 3600));
                assertEquals(401, expired.status(), expired.toString());
                assertEquals("OIDC token expired\n", expired.bodyText());

                RawResponse signed = ExtraBackends.get(tunnel, "/p/4",
                        "x-amzn-oidc-data: " + keys.alb.token("kid-1", ALB_ARN, "carol", inFiveMinutes));
                assertEquals(200, signed.status(), signed.toString());
                TestBackend.RecordedRequest seen = portal.nextRequest();
                assertEquals("/p/4", seen.target());
                assertEquals(List.of("carol"), seen.headerValues(USER_ID));
            }
        }
    }

    private static JsonObject secrets(JsonObject created, String kind) {
        return created.getAsJsonObject("secrets").getAsJsonObject(kind);
    }

    // Same key ID, another secret of the same form.
    private static String withWrongSecret(String key) {
        String secret = key.substring(SECRET_START);
        return key.substring(0, SECRET_START) + (secret.charAt(0) == 'A' ? 'B' : 'A') + secret.substring(1);
    }

    private static String basic(String user, String password) {
        return "Authorization: Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static void assertNoHeaderHolds(TestBackend.RecordedRequest seen, String secret) {
        for (Entry<String, String> header : seen.headers()) {
            assertFalse(header.getValue().contains(secret), "the backend saw the secret in " + header.getKey());
        }
    }

    /** An EC P-256 key signing tokens as an AWS ALB does (ES256, base64url segments padded with '='). */
    private static final class AlbKey {
        private final KeyPair keyPair;

        AlbKey() throws GeneralSecurityException {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            keyPair = generator.generateKeyPair();
        }

        String token(String kid, String signer, String subject, long exp) throws GeneralSecurityException {
            Base64.Encoder base64 = Base64.getUrlEncoder();
            String header = "{\"typ\":\"JWT\",\"kid\":\"" + kid + "\",\"alg\":\"ES256\",\"iss\":\"https://idp.example\","
                    + "\"client\":\"client-1\",\"signer\":\"" + signer + "\",\"exp\":" + exp + "}";
            String payload = "{\"sub\":\"" + subject + "\",\"email\":\"" + subject + "@example.com\",\"exp\":" + exp
                    + ",\"iss\":\"https://idp.example\"}";
            String signed = base64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                    + base64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
            Signature signature = Signature.getInstance("SHA256withECDSAinP1363Format");
            signature.initSign(keyPair.getPrivate());
            signature.update(signed.getBytes(StandardCharsets.US_ASCII));
            return signed + "." + base64.encodeToString(signature.sign());
        }

        String pem() {
            return "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(keyPair.getPublic().getEncoded())
                    + "\n-----END PUBLIC KEY-----\n";
        }
    }

    /** A loopback stand-in for the ALB's key endpoint: {@code /eu-west-1/kid-1} answers the ALB key's PEM. */
    private static final class AlbKeyServer implements AutoCloseable {
        final AlbKey alb = new AlbKey();
        private final HttpServer server;

        AlbKeyServer() throws IOException, GeneralSecurityException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                try (exchange) {
                    boolean known = exchange.getRequestURI().getRawPath().equals("/eu-west-1/kid-1");
                    byte[] body = (known ? alb.pem() : "no such key").getBytes(StandardCharsets.US_ASCII);
                    exchange.sendResponseHeaders(known ? 200 : 404, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
            });
            server.start();
        }

        String urlTemplate() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/{region}/{kid}";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
