package net.invertingproxy.proxy.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import net.invertingproxy.proxy.credential.SecretHash;

class RegistryFileTest {
    private static final Instant CREATED = Instant.parse("2024-01-31T12:00:00.123456789Z");
    private static final Instant UPDATED = Instant.parse("2024-02-01T08:30:00Z");
    private static final String HASH = "{\"salt\": \"c2FsdHNhbHRzYWx0c2FsdA==\", \"sha256\": \"aGFzaA==\"}";

    @TempDir
    Path dir;
    private Path file;

    @BeforeEach
    void setUp() {
        file = dir.resolve("backends.json");
    }

    // SecretHash.of salts at random, so the records are made once and compared with themselves.
    private static final List<Backend> EVERY_FIELD = everyField();

    /** One backend per access mode, between them every field set to something other than its default. */
    private static List<Backend> everyField() {
        Backend open = new Backend("public-app",
                List.of(new Route("app.example.com", "/", false), new Route("*.example.org", "/app", true)),
                List.of(new AgentKey("k-public-1", SecretHash.of("first"), CREATED),
                        new AgentKey("k-public-2", SecretHash.of("second"), UPDATED)),
                new LegacyAgents(true, List.of("10.0.0.0/8", "2001:db8::/32")),
                new EndUserAccess(AccessMode.PUBLIC, null, null, null, null, List.of("192.168.0.0/16")),
                new Limits(10, 2.5), CREATED, UPDATED);
        Backend apiKey = new Backend("billing", List.of(new Route(null, "/billing", true)),
                List.of(new AgentKey("k-billing", SecretHash.of("third"), CREATED)), LegacyAgents.REFUSED,
                new EndUserAccess(AccessMode.API_KEY, "X-Billing-Key",
                        List.of(new ApiKey("alice", "ak-1", SecretHash.of("a")), new ApiKey("bob", "ak-2",
                                SecretHash.of("b"))), null, null, null),
                Limits.NONE, CREATED, CREATED);
        Backend basic = new Backend("wiki", List.of(new Route("wiki.example.com", "/", false)), List.of(),
                LegacyAgents.REFUSED,
                new EndUserAccess(AccessMode.BASIC, null, null,
                        List.of(new BasicUser("carol@example.com", SecretHash.of("c"))), null, null),
                new Limits(0, 0.25), CREATED, UPDATED);
        Backend alb = new Backend("dash.v2", List.of(new Route(null, "/dash", false)), List.of(), null,
                new EndUserAccess(AccessMode.ALB_OIDC, null, null, null,
                        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/50dc6c495c0c9188",
                        List.of("203.0.113.7")),
                null, UPDATED, null);
        return List.of(open, apiKey, basic, alb);
    }

    private static String backend(String id, String moreFields) {
        return "{\"id\": \"" + id + "\", \"routes\": [{\"pathPrefix\": \"/" + id + "\"}],"
                + " \"created\": \"2024-01-31T12:00:00Z\"" + moreFields + "}";
    }

    private static String document(String... backends) {
        return "{\"version\": 1, \"backends\": [" + String.join(", ", backends) + "]}";
    }

    private static String agentKey(String keyId) {
        return "{\"keyId\": \"" + keyId + "\", \"hash\": " + HASH + ", \"created\": \"2024-01-31T12:00:00Z\"}";
    }

    /** Loads the file, expecting a refusal whose message is one line starting with the file's path. */
    private String refused() {
        RegistryFileException e = assertThrows(RegistryFileException.class, () -> RegistryFile.load(file));
        String message = e.getMessage();
        assertTrue(message.startsWith("registry file " + file.toAbsolutePath() + " "), message);
        assertFalse(message.contains("\n") || message.contains("\r"), message);
        assertEquals(file, e.file());
        return message;
    }

    private String refused(String content) throws IOException {
        Files.writeString(file, content);
        return refused();
    }

    private String fault(String content) throws IOException {
        return refused(content).substring(("registry file " + file.toAbsolutePath() + " ").length());
    }

    private List<String> filesInDir() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void roundTripKeepsEveryFieldOfEveryAccessMode() throws IOException {
        RegistryFile.save(file, EVERY_FIELD);

        assertEquals(EVERY_FIELD, RegistryFile.load(file));
        String text = Files.readString(file);
        assertTrue(text.startsWith("{\n  \"version\": 1,\n  \"backends\": [\n    {\n      \"id\": \"public-app\",\n"),
                text);
        for (String mode : List.of("public", "api_key", "basic", "alb_oidc")) {
            assertTrue(text.contains("\"mode\": \"" + mode + "\""), mode);
        }
        assertTrue(text.contains("\"created\": \"2024-01-31T12:00:00.123456789Z\""), text);
    }

    @Test
    void savingWhatWasLoadedWritesTheSameBytes() throws IOException {
        RegistryFile.save(file, EVERY_FIELD);
        byte[] first = Files.readAllBytes(file);

        List<Backend> loaded = RegistryFile.load(file);
        RegistryFile.save(file, loaded);
        assertArrayEquals(first, Files.readAllBytes(file));
    }

    @Test
    void missingFileIsAnEmptyRegistry() throws IOException {
        assertEquals(List.of(), RegistryFile.load(file));
        assertEquals(List.of(), RegistryFile.load(dir.resolve("no/such/dir/backends.json")));
    }

    @Test
    void emptyListRoundTrips() throws IOException {
        RegistryFile.save(file, List.of());
        assertEquals("{\n  \"version\": 1,\n  \"backends\": []\n}", Files.readString(file));
        assertEquals(List.of(), RegistryFile.load(file));
    }

    @Test
    void symbolicLinkToAMissingFileIsNotAFirstStart() throws IOException {
        Files.createSymbolicLink(file, dir.resolve("unmounted/backends.json"));
        String message = refused();
        assertTrue(message.endsWith(" is a symbolic link to a missing file"), message);
    }

    @Test
    void zeroLengthFileIsRefused() throws IOException {
        assertTrue(fault("").startsWith("is empty (0 bytes)"));
    }

    @Test
    void notJsonIsRefused() throws IOException {
        assertEquals("is corrupt: not valid JSON: at line 1 column 1 path $", fault("hello"));
        assertTrue(fault("{'version': 1, 'backends': []}").startsWith("is corrupt: not valid JSON: "));
        assertTrue(fault("{\"version\": 1, \"backends\": [], }").startsWith("is corrupt: not valid JSON: "));
        assertTrue(fault("{\"version\": 1, /* no */ \"backends\": []}").startsWith("is corrupt: not valid JSON: "));
    }

    @Test
    void trailingDataIsRefused() throws IOException {
        assertEquals("is corrupt: not valid JSON: data after the end of the top-level object"
                + " at line 1 column 33 path $",
                fault(document() + " x"));
        assertTrue(fault(document() + document()).startsWith("is corrupt: not valid JSON: data after the end"));
    }

    @Test
    void everyPrefixOfAValidFileIsRefused() throws IOException {
        RegistryFile.save(file, EVERY_FIELD);
        byte[] whole = Files.readAllBytes(file);
        assertEquals(EVERY_FIELD, RegistryFile.load(file));

        for (int length = 0; length < whole.length; length++) {
            Files.write(file, Arrays.copyOf(whole, length));
            refused();
        }
        String text = new String(whole, StandardCharsets.UTF_8);
        Files.writeString(file, text.substring(0, text.indexOf("\"routes\": [") + "\"routes\": [".length()));
        String message = refused();
        assertTrue(message.endsWith(" is corrupt: JSON ends early at line 6 column 18 path $.backends[0].routes[0]"
                + " (cut short?)"), message);
        Files.writeString(file, text.substring(0, text.indexOf("\"public-app\"") + 4));
        message = refused();
        assertTrue(message.contains(" is corrupt: JSON ends early inside string at "), message);
    }

    @Test
    void wrongTopLevelShapeIsRefused() throws IOException {
        assertTrue(fault("[]").startsWith("is invalid: the top level must be an object {\"version\": 1,"));
        assertTrue(fault("\"backends\"").startsWith("is invalid: the top level must be an object"));
        assertTrue(fault("{\"version\": 1}").startsWith("is invalid: no \"backends\""));
        assertTrue(fault("{\"backends\": []}").startsWith("is invalid: no \"version\""));
        assertTrue(fault("{\"version\": 1, \"backends\": {}}").startsWith("is invalid: \"backends\" must be a list,"
                + " got an object"));
        assertTrue(fault("{\"version\": 1, \"backends\": [], \"extra\": 0}")
                .startsWith("is invalid: unknown top-level field \"extra\""));
        assertTrue(fault("{\"version\": 1, \"backends\": [], \"backends\": []}")
                .startsWith("is invalid: field \"backends\" appears twice"));
        assertTrue(fault("{\"version\": 1, \"backends\": [null]}").startsWith("is invalid: backend #1: is null"));
    }

    @Test
    void unknownVersionIsRefused() throws IOException {
        assertEquals("is invalid: unknown version 2; this proxy reads version 1 (was the file written by a newer"
                + " proxy?)", fault("{\"version\": 2, \"backends\": []}"));
        assertTrue(fault("{\"version\": 1.5, \"backends\": []}").startsWith("is invalid: unknown version 1.5;"));
        assertTrue(fault("{\"version\": \"1\", \"backends\": []}").startsWith("is invalid: \"version\" must be a"
                + " number, got a string"));
        // Backends read before the version are still checked against it.
        assertTrue(fault("{\"backends\": [" + backend("a", "") + "], \"version\": 2}")
                .startsWith("is invalid: unknown version 2;"));
    }

    @Test
    void versionAfterBackendsIsAccepted() throws IOException {
        Files.writeString(file, "{\"backends\": [" + backend("a", "") + ", " + backend("b", "") + "], \"version\": 1}");
        assertEquals(List.of("a", "b"), RegistryFile.load(file).stream().map(Backend::id).toList());
    }

    @Test
    void recordThatFailsValidationIsRefusedNamingItsNumberAndId() throws IOException {
        String bad = "{\"id\": \"billing\", \"routes\": [{\"pathPrefix\": \"billing\"}],"
                + " \"created\": \"2024-01-31T12:00:00Z\"}";
        assertEquals("is invalid: backend #2 (\"billing\"): route pathPrefix must start with / and hold no query,"
                + " got \"billing\" (at routes[0])", fault(document(backend("a", ""), bad)));
        assertEquals("is invalid: backend #1 (\"a\"): access.albArn must be the ALB's ARN"
                + " (arn:aws:elasticloadbalancing:...) when access.mode is alb_oidc (at access)",
                fault(document(backend("a", ", \"access\": {\"mode\": \"alb_oidc\"}"))));
        assertEquals("is invalid: backend #1 (\"a\"): missing created (at agentKeys[0])",
                fault(document(backend("a", ", \"agentKeys\": [{\"keyId\": \"k\", \"hash\": " + HASH + "}]"))));
        assertEquals("is invalid: backend #1: missing id",
                fault(document("{\"routes\": [{\"pathPrefix\": \"/x\"}], \"created\": \"2024-01-31T12:00:00Z\"}")));
        assertEquals("is invalid: backend #1 (\"a\"): limits.maxInFlight must be 0 (none) or more, got -1 (at limits)",
                fault(document(backend("a", ", \"limits\": {\"maxInFlight\": -1}"))));
    }

    @Test
    void wrongTypesAreRefusedRatherThanConverted() throws IOException {
        assertTrue(fault(document(backend("a", ", \"legacyAgents\": {\"allowed\": \"yes\"}")))
                .endsWith(": expected true or false, got a string (at legacyAgents.allowed)"));
        assertTrue(fault(document(backend("a", ", \"limits\": {\"maxInFlight\": 1.5}")))
                .endsWith(": expected a whole number up to 2147483647, got 1.5 (at limits.maxInFlight)"));
        assertTrue(fault(document("{\"id\": \"a\", \"routes\": \"/a\", \"created\": \"2024-01-31T12:00:00Z\"}"))
                .startsWith("is invalid: backend #1 (\"a\"): expected a list, got a string (at routes)"));
        assertTrue(fault(document(backend("a", "").replace("2024-01-31T12:00:00Z", "yesterday")))
                .endsWith(": expected an ISO-8601 instant such as \"2024-01-31T12:00:00Z\", got \"yesterday\""
                        + " (at created)"));
        assertTrue(fault(document(backend("a", ", \"agentKeys\": [{\"keyId\": \"k\", \"hash\": \"x\","
                + " \"created\": \"2024-01-31T12:00:00Z\"}]")))
                .endsWith(": expected an object, got \"x\" (at agentKeys[0].hash)"));
    }

    @Test
    void unknownEnumValueIsRefusedNotReadAsPublic() throws IOException {
        assertEquals("is invalid: backend #1 (\"a\"): unknown value \"basci\" (known: public, api_key, basic,"
                + " alb_oidc) (at access.mode)", fault(document(backend("a", ", \"access\": {\"mode\": \"basci\"}"))));
        assertTrue(fault(document(backend("a", ", \"access\": {\"mode\": \"BASIC\"}"))).contains("unknown value"));
    }

    @Test
    void unknownFieldIsRefusedNotSkipped() throws IOException {
        assertTrue(fault(document(backend("a", ", \"acess\": {\"mode\": \"basic\"}")))
                .startsWith("is invalid: backend #1 (\"a\"): unknown field \"acess\" (known: id, routes,"));
        assertTrue(fault(document(backend("a", ", \"access\": {\"apiKeys\": [{\"user\": \"u\", \"keyId\": \"k\","
                + " \"hash\": " + HASH + ", \"secret\": \"s\"}]}")))
                .contains("unknown field \"secret\" (known: user, keyId, hash) (at access.apiKeys[0])"));
    }

    @Test
    void fieldNamedTwiceIsRefusedNotLastWins() throws IOException {
        assertTrue(fault(document(backend("a", ", \"access\": {\"mode\": \"basic\", \"mode\": \"public\"}")))
                .startsWith("is invalid: backend #1: field \"mode\" appears twice at line 1 column "));
    }

    @Test
    void duplicateBackendIdsAreRefused() throws IOException {
        assertEquals("is invalid: backend #3 (\"a\"): id is already that of backend #1 (\"a\")",
                fault(document(backend("a", ""), backend("b", ""), backend("a", ""))));
    }

    @Test
    void duplicateAgentKeyIdsAreRefusedAcrossAndWithinBackends() throws IOException {
        assertEquals("is invalid: backend #2 (\"b\"): agent key ID \"k1\" is already used by backend #1 (\"a\")",
                fault(document(backend("a", ", \"agentKeys\": [" + agentKey("k1") + "]"),
                        backend("b", ", \"agentKeys\": [" + agentKey("k2") + ", " + agentKey("k1") + "]"))));
        assertEquals("is invalid: backend #1 (\"a\"): agent key ID \"k1\" is already used by this backend",
                fault(document(backend("a", ", \"agentKeys\": [" + agentKey("k1") + ", " + agentKey("k1") + "]"))));
    }

    @Test
    void messageStaysOneLineWhenTheFileQuotesLineBreaks() throws IOException {
        String message = refused(document(backend("a\\nb", "")));
        assertTrue(message.contains("backend #1 (\"a\\u000ab\"): id must be"), message);
    }

    @Test
    void fileOverTheLimitIsRefusedUnread() throws IOException {
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(RegistryFile.MAX_BYTES + 1);
        }
        assertEquals("is too large: 67108865 bytes, the limit is 67108864 bytes",
                refused().substring(("registry file " + file.toAbsolutePath() + " ").length()));

        Files.writeString(file, document(backend("a", "")));
        long size = Files.size(file);
        assertEquals(1, RegistryFile.load(file, size).size());
        RegistryFileException e = assertThrows(RegistryFileException.class, () -> RegistryFile.load(file, size - 1));
        assertTrue(e.getMessage().endsWith(" is too large: " + size + " bytes, the limit is " + (size - 1) + " bytes"),
                e.getMessage());
    }

    @Test
    void sizeLimitHoldsWhileReading() throws IOException {
        Files.writeString(file, "0123456789");
        try (InputStream in = new SizeLimitedInputStream(Files.newInputStream(file), 10)) {
            assertEquals("0123456789", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
        try (InputStream in = new SizeLimitedInputStream(Files.newInputStream(file), 9)) {
            assertThrows(SizeLimitedInputStream.LimitExceededException.class, in::readAllBytes);
        }
    }

    @Test
    void bytesThatAreNotUtf8AreRefused() throws IOException {
        // 0xC3 starts a two-byte sequence that "(" cannot continue.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("{\"version\": 1, \"backends\": [{\"id\": \"a".getBytes(StandardCharsets.US_ASCII));
        bytes.write(0xC3);
        bytes.writeBytes("(\", \"routes\": [{}], \"created\": \"2024-01-31T12:00:00Z\"}]}"
                .getBytes(StandardCharsets.US_ASCII));
        Files.write(file, bytes.toByteArray());
        assertEquals("is corrupt: not UTF-8 text",
                refused().substring(("registry file " + file.toAbsolutePath() + " ").length()));
    }

    @Test
    void unreadableFileIsRefused() throws IOException {
        Files.createDirectory(file);
        Files.writeString(file.resolve("inside"), "x");
        String message = refused();
        assertTrue(message.contains(" cannot be read: "), message);
    }

    @Test
    void failedSaveLeavesTheOldContentAndNoTempFile() throws IOException {
        // A non-empty directory where the file goes: the rename fails, even for root.
        Files.createDirectory(file);
        Files.writeString(file.resolve("keep"), "old");

        assertThrows(IOException.class, () -> RegistryFile.save(file, EVERY_FIELD));

        assertEquals("old", Files.readString(file.resolve("keep")));
        assertEquals(List.of("backends.json"), filesInDir());
    }

    @Test
    void refusedListLeavesTheOldFileAndNoTempFile() throws IOException {
        RegistryFile.save(file, EVERY_FIELD);
        byte[] old = Files.readAllBytes(file);
        Backend twice = EVERY_FIELD.get(0);

        InvalidBackendException e = assertThrows(InvalidBackendException.class,
                () -> RegistryFile.save(file, List.of(twice, twice)));

        assertEquals("backend #2 (\"public-app\"): id is already that of backend #1 (\"public-app\")", e.getMessage());
        assertArrayEquals(old, Files.readAllBytes(file));
        assertEquals(List.of("backends.json"), filesInDir());
    }

    @Test
    void saveReplacesTheFileOwnerOnlyAndLeavesNoTempFile() throws IOException {
        assertTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "the registry needs POSIX file permissions");
        Files.writeString(file, "an older file anyone could read");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        RegistryFile.save(file, EVERY_FIELD);
        RegistryFile.save(file, EVERY_FIELD.subList(1, 2));

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(List.of("billing"), RegistryFile.load(file).stream().map(Backend::id).toList());
        assertEquals(List.of("backends.json"), filesInDir());
    }

    @Test
    void saveCreatesTheDirectory() throws IOException {
        Path nested = dir.resolve("state/registry/backends.json");
        RegistryFile.save(nested, EVERY_FIELD);
        assertEquals(EVERY_FIELD, RegistryFile.load(nested));
    }
}
