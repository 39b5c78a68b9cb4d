package net.invertingproxy.proxy.access;

import static net.invertingproxy.proxy.access.AlbSigningKey.REGION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AlbPublicKeysTest {
    private static final String KID = "a1b2c3d4-0000-4000-8000-000000000001";

    private final SteppingClock clock = new SteppingClock();
    private final AlbSigningKey alb = AlbSigningKey.generate();
    private final KeyServer keyServer;
    private final AlbPublicKeys keys;

    AlbPublicKeysTest() throws Exception {
        keyServer = new KeyServer();
        keys = new AlbPublicKeys(keyServer.urlTemplate(), clock);
    }

    @AfterEach
    void stopKeyServer() {
        keyServer.close();
    }

    @Test
    void keyIsDownloadedOnceThenCached() {
        keyServer.put(REGION, KID, alb.pem());
        assertEquals(Optional.of(alb.publicKey()), keys.find(REGION, KID).map(ECPublicKey.class::cast));
        assertEquals(Optional.of(alb.publicKey()), keys.find(REGION, KID).map(ECPublicKey.class::cast));
        assertEquals(List.of("/" + REGION + "/" + KID), keyServer.requestedPaths);
    }

    @Test
    void missingKeyIsAskedForAgainOnlyAfterThePause() {
        assertEquals(Optional.empty(), keys.find(REGION, KID));
        keyServer.put(REGION, KID, alb.pem());
        assertEquals(Optional.empty(), keys.find(REGION, KID));
        assertEquals(1, keyServer.requestedPaths.size());

        clock.advance(AlbPublicKeys.RETRY_AFTER);
        assertEquals(Optional.of(alb.publicKey()), keys.find(REGION, KID).map(ECPublicKey.class::cast));
        assertEquals(2, keyServer.requestedPaths.size());
    }

    @Test
    void answersThatAreNotAP256PemKeyGiveNoKey() {
        keyServer.put(REGION, "not-pem", "hello");
        keyServer.put(REGION, "bad-base64", "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----");
        keyServer.put(REGION, "p384", AlbSigningKey.generate("secp384r1").pem());
        keyServer.put(REGION, "huge", alb.pem() + " ".repeat(PemKeyDownload.MAX_PEM_BYTES));
        for (String kid : List.of("not-pem", "bad-base64", "p384", "huge")) {
            assertEquals(Optional.empty(), keys.find(REGION, kid), kid);
        }
        assertEquals(4, keyServer.requestedPaths.size());
    }

    @Test
    void answerOfUndeclaredSizeGivesNoKey() {
        keyServer.putChunked(REGION, KID, alb.pem());
        assertEquals(Optional.empty(), keys.find(REGION, KID));
        assertEquals(1, keyServer.requestedPaths.size());
    }

    @Test
    void keyEndpointThatStallsMidAnswerGivesNoKeyWithinTwiceTheTimeout() {
        keyServer.putStalled(REGION, KID);
        AlbPublicKeys impatient = new AlbPublicKeys(keyServer.urlTemplate(), clock, Duration.ofMillis(200));
        long started = System.nanoTime();
        assertEquals(Optional.empty(), impatient.find(REGION, KID));
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos());
        assertEquals(1, keyServer.requestedPaths.size());
    }

    @Test
    void malformedNamesAreNeverFetched() {
        for (String kid : new String[] {null, "", "a/b", "a?b", "a".repeat(129), "k\r\nHost: x"}) {
            assertEquals(Optional.empty(), keys.find(REGION, kid));
        }
        assertEquals(Optional.empty(), keys.find("EU/WEST", KID));
        assertEquals(Optional.empty(), keys.find(null, KID));
        assertEquals(List.of(), keyServer.requestedPaths);
    }

    @Test
    void concurrentRequestsShareOneDownloadAndDownloadsAreCapped() throws Exception {
        keyServer.put(REGION, "kid-0", alb.pem());
        CountDownLatch release = keyServer.holdAnswers();
        List<Thread> downloads = new ArrayList<>();
        for (int i = 0; i < AlbPublicKeys.MAX_DOWNLOADS; i++) {
            String kid = "kid-" + i;
            downloads.add(started(() -> keys.find(REGION, kid)));
        }
        awaitRequests(AlbPublicKeys.MAX_DOWNLOADS);

        AtomicReference<Optional<ECPublicKey>> shared = new AtomicReference<>();
        Thread sharer = started(() -> shared.set(keys.find(REGION, "kid-0")));
        awaitWaiting(sharer);
        assertEquals(Optional.empty(), keys.find(REGION, "one-too-many"));

        release.countDown();
        sharer.join(10_000);
        for (Thread download : downloads) {
            download.join(10_000);
        }
        assertEquals(Optional.of(alb.publicKey()), shared.get().map(ECPublicKey.class::cast));
        assertEquals(AlbPublicKeys.MAX_DOWNLOADS, keyServer.requestedPaths.size());
        assertTrue(keyServer.requestedPaths.stream().noneMatch(path -> path.contains("one-too-many")));
    }

    private static Thread started(Runnable task) {
        Thread thread = new Thread(task);
        thread.start();
        return thread;
    }

    private void awaitRequests(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (keyServer.requestedPaths.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(count, keyServer.requestedPaths.size());
    }

    private static void awaitWaiting(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(Thread.State.WAITING, thread.getState());
    }
}
