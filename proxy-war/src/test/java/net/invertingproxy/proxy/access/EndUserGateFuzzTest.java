package net.invertingproxy.proxy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import net.invertingproxy.proxy.access.AccessDecision.Allowed;
import net.invertingproxy.proxy.access.AccessDecision.Refused;
import net.invertingproxy.proxy.credential.IssuedSecret;
import net.invertingproxy.proxy.credential.SecretHash;
import net.invertingproxy.proxy.registry.AccessMode;
import net.invertingproxy.proxy.registry.ApiKey;
import net.invertingproxy.proxy.registry.BasicUser;
import net.invertingproxy.proxy.registry.EndUserAccess;

/**
 * Fuzzes {@link EndUserGate#check} in the API-key and Basic modes with the headers a client
 * controls ({@code X-Api-Key}, {@code Authorization}, {@code X-Forwarded-For}), read through a
 * {@link ClientRequestView}. Its contract: it never throws, refuses with 401 or 403, and lets a
 * request through only with the issued key or password, as that key's or password's user.
 */
class EndUserGateFuzzTest {
    private static final IssuedSecret KEY = IssuedSecret.generate(IssuedSecret.API_KEY);
    private static final String PASSWORD = IssuedSecret.generatePassword();
    private static final EndUserAccess API_KEY = new EndUserAccess(AccessMode.API_KEY, null,
            List.of(new ApiKey("key-user", KEY.keyId(), KEY.hash())), null, null, List.of("192.0.2.0/24"));
    private static final EndUserAccess BASIC = new EndUserAccess(AccessMode.BASIC, null, null,
            List.of(new BasicUser("alice", SecretHash.of(PASSWORD))), null, null);
    private static final EndUserGate GATE =
            new EndUserGate(new ClientAddresses(List.of(AddressRange.parse("10.0.0.0/8"))), null);

    @FuzzTest
    void check(FuzzedDataProvider data) {
        boolean basic = data.consumeBoolean();
        String peer = data.pickValue(new String[] {"10.0.0.1", "192.0.2.7"});
        List<String> forwardedFor = data.consumeBoolean() ? List.of(data.consumeString(100)) : List.of();
        List<String> credentials = new ArrayList<>();
        int count = data.consumeInt(0, 2);
        for (int i = 0; i < count; i++) {
            credentials.add(switch (data.consumeInt(0, 2)) {
                case 0 -> basic ? "Basic " + base64("alice:" + PASSWORD) : KEY.token();
                case 1 -> basic ? "Basic " + base64(data.consumeString(80)) : "ipk_" + KEY.keyId() + "_"
                        + data.consumeString(60);
                default -> data.consumeString(200);
            });
        }
        String header = basic ? "Authorization" : EndUserAccess.DEFAULT_API_KEY_HEADER;
        ClientRequestView request = ClientRequestView.of(peer, Map.of(header, credentials,
                ClientAddresses.FORWARDED_FOR, forwardedFor));

        AccessDecision decision = GATE.check("default", basic ? BASIC : API_KEY, request);

        if (decision instanceof Refused refused) {
            assertTrue(refused.status() == 401 || refused.status() == 403, "status " + refused.status());
            return;
        }
        Allowed allowed = (Allowed) decision;
        assertEquals(1, credentials.size(), "let through with " + credentials.size() + " credentials");
        String presented = credentials.get(0).trim();
        if (basic) {
            assertEquals("alice", allowed.userId());
            assertTrue(presented.matches("(?i:basic) +" + java.util.regex.Pattern.quote(base64("alice:" + PASSWORD))),
                    () -> "let through with " + presented);
        } else {
            assertEquals("key-user", allowed.userId());
            assertEquals(KEY.token(), presented);
        }
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
