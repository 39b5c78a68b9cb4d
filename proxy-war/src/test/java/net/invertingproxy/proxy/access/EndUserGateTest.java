package net.invertingproxy.proxy.access;

import static net.invertingproxy.proxy.access.AlbSigningKey.ARN;
import static net.invertingproxy.proxy.access.AlbSigningKey.REGION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import net.invertingproxy.proxy.access.AccessDecision.Allowed;
import net.invertingproxy.proxy.access.AccessDecision.Refused;
import net.invertingproxy.proxy.credential.IssuedSecret;
import net.invertingproxy.proxy.credential.SecretHash;
import net.invertingproxy.proxy.registry.AccessMode;
import net.invertingproxy.proxy.registry.ApiKey;
import net.invertingproxy.proxy.registry.BasicUser;
import net.invertingproxy.proxy.registry.EndUserAccess;

class EndUserGateTest {
    private static final String BACKEND = "orders";
    private static final String CLIENT = "203.0.113.9";
    private static final String KID = "5f1e2d3c-aaaa-4bbb-8ccc-0123456789ab";
    private static final String API_KEY_CHALLENGE = "ApiKey header=\"X-Api-Key\"";
    private static final String BASIC_CHALLENGE = "Basic realm=\"orders\", charset=\"UTF-8\"";

    private final SteppingClock clock = new SteppingClock();
    private final AlbSigningKey alb = AlbSigningKey.generate();
    private final KeyServer keyServer;
    private final EndUserGate gate;

    private final IssuedSecret aliceKey = IssuedSecret.generate(IssuedSecret.API_KEY);
    private final IssuedSecret bobKey = IssuedSecret.generate(IssuedSecret.API_KEY);
    private final String alicePassword = IssuedSecret.generatePassword();

    EndUserGateTest() throws Exception {
        keyServer = new KeyServer();
        keyServer.put(REGION, KID, alb.pem());
        AlbOidcVerifier verifier = new AlbOidcVerifier(new AlbPublicKeys(keyServer.urlTemplate(), clock), clock);
        gate = new EndUserGate(new ClientAddresses(List.of(AddressRange.parse("10.0.0.0/8"))), verifier);
    }

    @AfterEach
    void stopKeyServer() {
        keyServer.close();
    }

    private AccessDecision check(EndUserAccess access, ClientRequestView request) {
        return gate.check(BACKEND, access, request);
    }

    private AccessDecision basicCheck(String authorization) {
        return check(basicAccess(), request(CLIENT, "Authorization", authorization));
    }

    private static EndUserAccess access(AccessMode mode, List<ApiKey> keys, List<BasicUser> users,
                                        List<String> allowed) {
        return new EndUserAccess(mode, null, keys, users, mode == AccessMode.ALB_OIDC ? ARN : null, allowed);
    }

    private EndUserAccess apiKeyAccess() {
        return access(AccessMode.API_KEY, List.of(new ApiKey("alice", aliceKey.keyId(), aliceKey.hash())), null, null);
    }

    private EndUserAccess basicAccess() {
        return access(AccessMode.BASIC, null, List.of(new BasicUser("alice", SecretHash.of(alicePassword))), null);
    }

    private static ClientRequestView request(String peer, String... nameValuePairs) {
        Map<String, List<String>> headers = new HashMap<>();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            headers.computeIfAbsent(nameValuePairs[i], any -> new ArrayList<>()).add(nameValuePairs[i + 1]);
        }
        return ClientRequestView.of(peer, headers);
    }

    private static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void publicBackendLetsAnyoneInAnonymously() {
        assertEquals(new Allowed(null), check(EndUserAccess.PUBLIC, request(CLIENT)));
    }

    @Test
    void allowListRefusesAddressesOutsideIt() {
        EndUserAccess access = access(AccessMode.PUBLIC, null, null, List.of("198.51.100.0/24", "2001:db8::/32"));
        assertEquals(new Allowed(null), check(access, request("198.51.100.20")));
        assertEquals(new Allowed(null), check(access, request("2001:db8::20")));
        assertEquals(new Refused(403, "client address not allowed", null), check(access, request(CLIENT)));
    }

    @Test
    void allowListJudgesTheClientBehindATrustedProxy() {
        EndUserAccess access = access(AccessMode.PUBLIC, null, null, List.of("198.51.100.0/24"));
        assertEquals(new Allowed(null),
                check(access, request("10.0.0.2", "X-Forwarded-For", "198.51.100.20")));
        assertEquals(new Refused(403, "client address not allowed", null),
                check(access, request("10.0.0.2", "X-Forwarded-For", "198.51.100.20, " + CLIENT)));
    }

    @Test
    void allowListIgnoresForwardedForFromAnUntrustedPeer() {
        EndUserAccess access = access(AccessMode.PUBLIC, null, null, List.of("198.51.100.0/24"));
        assertEquals(new Refused(403, "client address not allowed", null),
                check(access, request(CLIENT, "X-Forwarded-For", "198.51.100.20")));
    }

    @Test
    void allowListIsCheckedBeforeCredentials() {
        EndUserAccess access = new EndUserAccess(AccessMode.API_KEY, null, apiKeyAccess().apiKeys(), null, null,
                List.of("198.51.100.0/24"));
        assertEquals(new Refused(403, "client address not allowed", null),
                check(access, request(CLIENT, "X-Api-Key", aliceKey.token())));
        assertEquals(new Allowed("alice"),
                check(access, request("198.51.100.1", "X-Api-Key", aliceKey.token())));
    }

    @Test
    void apiKeyOfAKnownUserLetsThemIn() {
        assertEquals(new Allowed("alice"), check(apiKeyAccess(), request(CLIENT, "x-api-key", aliceKey.token())));
    }

    @Test
    void apiKeyInTheConfiguredHeaderOnly() {
        EndUserAccess access = new EndUserAccess(AccessMode.API_KEY, "X-Orders-Key", apiKeyAccess().apiKeys(), null,
                null, null);
        assertEquals(new Allowed("alice"), check(access, request(CLIENT, "X-Orders-Key", aliceKey.token())));
        assertEquals(new Refused(401, "API key missing", "ApiKey header=\"X-Orders-Key\""),
                check(access, request(CLIENT, "X-Api-Key", aliceKey.token())));
    }

    @Test
    void missingApiKeyIsChallenged() {
        assertEquals(new Refused(401, "API key missing", API_KEY_CHALLENGE), check(apiKeyAccess(), request(CLIENT)));
    }

    @Test
    void wrongSecretForAKnownKeyIdIsRefused() {
        IssuedSecret wrong = new IssuedSecret(IssuedSecret.API_KEY, aliceKey.keyId(), bobKey.secret());
        assertEquals(new Refused(401, "API key not accepted", API_KEY_CHALLENGE),
                check(apiKeyAccess(), request(CLIENT, "X-Api-Key", wrong.token())));
    }

    @Test
    void keyOfAnUnknownIdIsRefusedTheSameWay() {
        assertEquals(new Refused(401, "API key not accepted", API_KEY_CHALLENGE),
                check(apiKeyAccess(), request(CLIENT, "X-Api-Key", bobKey.token())));
    }

    @Test
    void malformedOrAgentKindOrDoubledKeysAreRefused() {
        IssuedSecret agentCredential = new IssuedSecret(IssuedSecret.AGENT, aliceKey.keyId(), aliceKey.secret());
        assertEquals(new Refused(401, "API key malformed", API_KEY_CHALLENGE),
                check(apiKeyAccess(), request(CLIENT, "X-Api-Key", agentCredential.token())));
        assertEquals(new Refused(401, "API key malformed", API_KEY_CHALLENGE),
                check(apiKeyAccess(), request(CLIENT, "X-Api-Key", "let me in")));
        assertEquals(new Refused(401, "more than one API key", API_KEY_CHALLENGE), check(apiKeyAccess(),
                request(CLIENT, "X-Api-Key", bobKey.token(), "X-Api-Key", aliceKey.token())));
    }

    @Test
    void refusalNeverEchoesThePresentedSecret() {
        IssuedSecret wrong = new IssuedSecret(IssuedSecret.API_KEY, aliceKey.keyId(), bobKey.secret());
        Refused refused = (Refused) check(apiKeyAccess(), request(CLIENT, "X-Api-Key", wrong.token()));
        assertFalse(refused.reason().contains(bobKey.secret()));
        assertFalse(refused.wwwAuthenticate().contains(bobKey.secret()));
    }

    @Test
    void basicWithTheRightPasswordLetsTheUserIn() {
        assertEquals(new Allowed("alice"),
                check(basicAccess(), request(CLIENT, "Authorization", basic("alice:" + alicePassword))));
        assertEquals(new Allowed("alice"), check(basicAccess(),
                request(CLIENT, "authorization", "bAsIc   " + basic("alice:" + alicePassword).substring(6))));
    }

    @Test
    void basicWrongPasswordOrUnknownUserIsRefusedAlike() {
        Refused expected = new Refused(401, "wrong user or password", BASIC_CHALLENGE);
        assertEquals(expected, basicCheck(basic("alice:nope")));
        assertEquals(expected, basicCheck(basic("mallory:" + alicePassword)));
        assertEquals(expected, basicCheck(basic("alice:" + alicePassword + ":")));
    }

    @Test
    void basicPasswordMayHoldAColonAndNonAsciiInUtf8() {
        String password = "pä:ss";
        EndUserAccess access = access(AccessMode.BASIC, null, List.of(new BasicUser("alice", SecretHash.of(password))),
                null);
        assertEquals(new Allowed("alice"),
                check(access, request(CLIENT, "Authorization", basic("alice:" + password))));
        String latin1 = "Basic "
                + Base64.getEncoder().encodeToString(("alice:" + password).getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(new Refused(401, "Authorization is not well-formed Basic", BASIC_CHALLENGE),
                check(access, request(CLIENT, "Authorization", latin1)));
    }

    @Test
    void basicMissingOrMalformedIsChallenged() {
        assertEquals(new Refused(401, "credentials missing", BASIC_CHALLENGE),
                check(basicAccess(), request(CLIENT)));
        Refused malformed = new Refused(401, "Authorization is not well-formed Basic", BASIC_CHALLENGE);
        for (String header : List.of("Bearer abc", "Basic", "Basic !!!!", "Basic " + Base64.getEncoder()
                .encodeToString("no colon".getBytes(StandardCharsets.UTF_8)), "Basic YWxpY2U6cA=x",
                "Basic " + "A".repeat(BasicCredentials.MAX_HEADER_CHARS))) {
            assertEquals(malformed, basicCheck(header), header);
        }
        assertEquals(new Refused(401, "more than one Authorization header", BASIC_CHALLENGE), gate.check(BACKEND,
                basicAccess(), request(CLIENT, "Authorization", basic("alice:x"), "Authorization", basic("alice:y"))));
    }

    @Test
    void basicCredentialsNeverShowThePassword() {
        assertFalse(new BasicCredentials("alice", alicePassword).toString().contains(alicePassword));
    }

    @Test
    void albOidcTokenGivesItsSubjectAsTheUser() {
        String token = alb.sign(AlbSigningKey.header("ES256", KID, ARN),
                AlbSigningKey.payload("user-42", clock.epochSecond() + 60));
        assertEquals(new Allowed("user-42"), check(access(AccessMode.ALB_OIDC, null, null, null),
                request("10.0.0.2", "X-Amzn-Oidc-Data", token)));
    }

    @Test
    void albOidcMissingDoubledOrForgedIsRefusedWithoutChallenge() {
        EndUserAccess access = access(AccessMode.ALB_OIDC, null, null, null);
        String forged = AlbSigningKey.generate().sign(AlbSigningKey.header("ES256", KID, ARN),
                AlbSigningKey.payload("user-42", clock.epochSecond() + 60));
        assertEquals(new Refused(401, "OIDC token missing", null), check(access, request(CLIENT)));
        assertEquals(new Refused(401, "more than one OIDC token", null),
                check(access, request(CLIENT, "x-amzn-oidc-data", forged, "x-amzn-oidc-data", forged)));
        assertEquals(new Refused(401, "OIDC token signature invalid", null),
                check(access, request(CLIENT, "x-amzn-oidc-data", forged)));
    }
}
