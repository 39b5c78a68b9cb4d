package net.invertingproxy.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.BackendRegistry;

/**
 * A body the registry file would refuse is refused by the admin API too, before anything is stored,
 * with a 400 whose one-line reason speaks of JSON and the body, never of the parser behind it.
 */
class BackendAdminTest {
    private static final String ORDERS = "{\"id\": \"orders\", \"routes\": [{\"pathPrefix\": \"/orders\"}]";
    private static final String VALID = ORDERS + "}";

    @TempDir
    Path dataDir;
    private BackendRegistry registry;
    private BackendAdmin admin;

    @BeforeEach
    void setUp() throws IOException {
        registry = BackendRegistry.open(dataDir, 10);
        admin = new BackendAdmin(registry, Clock.fixed(Instant.parse("2024-01-31T12:00:00Z"), ZoneOffset.UTC),
                id -> 0, id -> null);
    }

    @Test
    void anUnknownFieldIsRefusedRatherThanIgnored() {
        // Ignored, "acess" would leave the backend open to everyone instead of behind Basic.
        assertRefused(ORDERS + ", \"acess\": {\"mode\": \"basic\", \"basicUsers\": [\"hr\"]}}",
                "unknown field \"acess\" (known: id, routes, legacyAgents, access, limits, awsIdentity, inspector)");
        assertRefused("{\"id\": \"orders\", \"routes\": [{\"prefix\": \"/orders\"}]}",
                "unknown field \"prefix\" (known: host, pathPrefix, stripPrefix) (at routes[0])");
    }

    @Test
    void anUnknownAccessModeIsRefusedInEverySpellingButItsOwn() {
        assertRefused(ORDERS + ", \"access\": {\"mode\": \"kerberos\"}}",
                "unknown value \"kerberos\" (known: public, api_key, basic, alb_oidc) (at access.mode)");
        // The registry file takes one spelling only, so the API must not store another.
        assertRefused(ORDERS + ", \"access\": {\"mode\": \"BASIC\"}}",
                "unknown value \"BASIC\" (known: public, api_key, basic, alb_oidc) (at access.mode)");
        assertRefused(ORDERS + ", \"access\": {\"mode\": 2}}",
                "expected one of public, api_key, basic, alb_oidc, got a number (at access.mode)");
    }

    @Test
    void aValueOfTheWrongTypeIsRefusedRatherThanConverted() {
        assertRefused("{\"id\": \"orders\", \"routes\": \"/orders\"}", "expected a list, got a string (at routes)");
        assertRefused(ORDERS + ", \"access\": \"basic\"}", "expected an object, got \"basic\" (at access)");
        assertRefused(ORDERS + ", \"limits\": {\"maxInFlight\": \"10\"}}",
                "expected a whole number, got a string (at limits.maxInFlight)");
        assertRefused(ORDERS + ", \"legacyAgents\": {\"allowed\": \"yes\"}}",
                "expected true or false, got a string (at legacyAgents.allowed)");
    }

    @Test
    void malformedJsonIsExplainedWithWhereItWentWrong() {
        assertRefused(VALID.replace("\"orders\",", "orders,"),
                "malformed JSON: unexpected text (unquoted text, a comment or a stray comma?)"
                        + " at line 1 column 8 path $.id");
        assertRefused(ORDERS + ",}", "malformed JSON: expected a field name in double quotes at line 1 column 57"
                + " path $.routes");
        assertRefused("{\"id\": \"orders\", \"routes\": [", "malformed JSON: the body ends early at line 1 column 29"
                + " path $.routes[0]");
        assertRefused(ORDERS + ", \"id\": \"again\"}", "field \"id\" appears twice at line 1 column 61 path $.id");
    }

    @Test
    void dataAfterTheObjectHasAReasonOfItsOwn() {
        for (String trailing : List.of(" {}", "]", "\n\n,", " " + VALID)) {
            assertRefused(VALID + trailing, "the body holds data after the JSON object");
        }
    }

    @Test
    void anEmptyBodyIsNamedAsSuch() {
        for (String empty : List.of("", " ", "\r\n\t")) {
            assertRefused(empty, "the body is empty; it must be a JSON object");
        }
        assertRefused("null", "the body must be a JSON object");
        assertRefused("[" + VALID + "]", "the body must be a JSON object");
    }

    @Test
    void aChangeIsReadByTheSameRules() throws Exception {
        admin.create(VALID);
        byte[] stored = Files.readAllBytes(registry.file());
        FailureException refused = assertThrows(FailureException.class,
                () -> admin.update("orders", "{\"routes\": [{\"pathPrefix\": \"/orders\"}], \"limit\": {}}"));
        assertEquals(400, refused.status());
        assertEquals("unknown field \"limit\" (known: id, routes, legacyAgents, access, limits, awsIdentity, inspector)", refused.getMessage());
        assertEquals(List.of("orders"), registry.all().stream().map(Backend::id).toList());
        assertEquals(new String(stored), Files.readString(registry.file()));
    }

    @Test
    void aValidBodyStillWorksAndModesAreShownAsTheyAreWritten() throws Exception {
        admin.create(VALID + "\n");
        String changed = admin.update("orders", ORDERS + ", \"access\": {\"mode\": \"api_key\","
                + " \"apiKeyUsers\": [\"alice\"]}, \"limits\": {\"maxInFlight\": 3}}");
        JsonObject backend = JsonParser.parseString(changed).getAsJsonObject().getAsJsonObject("backend");
        assertEquals("api_key", backend.getAsJsonObject("access").get("mode").getAsString());
        assertEquals(3, backend.getAsJsonObject("limits").get("maxInFlight").getAsInt());
        assertEquals("2024-01-31T12:00:00Z", backend.get("created").getAsString());
    }

    private void assertRefused(String body, String reason) {
        FailureException refused = assertThrows(FailureException.class, () -> admin.create(body), body);
        String message = refused.getMessage();
        String lower = message.toLowerCase(Locale.ROOT);
        assertAll(body,
                () -> assertEquals(400, refused.status()),
                () -> assertEquals(reason, message),
                () -> assertFalse(lower.contains("gson") || lower.contains("jsonreader") || lower.contains("github"),
                        message),
                () -> assertFalse(message.contains("\n"), message),
                () -> assertEquals(List.of(), registry.all(), "stored"));
    }
}
