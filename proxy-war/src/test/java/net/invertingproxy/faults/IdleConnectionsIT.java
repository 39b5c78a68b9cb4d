package net.invertingproxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.sun.management.UnixOperatingSystemMXBean;

import net.invertingproxy.tunnel.RawResponse;

/**
 * As the operator of a proxy that 10,000 clients connect to at once and then leave idle, I see
 * ordinary requests served as usual while those connections are open, and every file descriptor
 * and exchange given back once they close.
 */
class IdleConnectionsIT {
    private static final int IDLE_CONNECTIONS = 10_000;
    /** Files the test JVM needs besides the idle connections: jars, logs, the agent's and backend's sockets. */
    private static final int OTHER_FILES = 1_000;
    /** Longer than the test: the connections must stay open until the test closes them. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration OPENING_BOUND = Duration.ofSeconds(90);
    private static final Duration OPENING_WELL_WITHIN = Duration.ofSeconds(30);

    @RegisterExtension
    static final FaultScene SCENE = new FaultScene("idle-connections", IDLE_TIMEOUT, "normal");

    @BeforeAll
    static void enoughOpenFiles() {
        long limit = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        assertTrue(limit >= IDLE_CONNECTIONS + OTHER_FILES, "this test opens " + IDLE_CONNECTIONS
                + " connections to a proxy in another process and needs a limit of open files of at least "
                + (IDLE_CONNECTIONS + OTHER_FILES) + ", but `ulimit -n` is " + limit
                + " here: raise it (up to `ulimit -Hn`) before running Maven, as .ci/run does");
    }

    @Test
    void tenThousandIdleConnectionsLeaveNormalRequestsServedAndNothingBehind() throws Exception {
        long filesBefore = openFiles(SCENE.proxy().pid());
        List<Socket> idle = new ArrayList<>(IDLE_CONNECTIONS);
        try {
            long start = System.nanoTime();
            long deadline = start + OPENING_BOUND.toNanos();
            int resent = 0;
            while (idle.size() < IDLE_CONNECTIONS) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + idle.size() + " connections opened within " + OPENING_BOUND.toSeconds() + " s");
                }
                Socket socket = new Socket();
                idle.add(socket);
                long connecting = System.nanoTime();
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), SCENE.proxy().port()), 10_000);
                // A connect of a second or more had its SYN dropped (a full accept queue) and resent.
                if (since(connecting).compareTo(Duration.ofMillis(900)) >= 0) {
                    resent++;
                }
            }
            Duration opening = since(start);
            // Beyond the baseline's few dozen files (jars, the agents' connections), one per connection.
            long filesOpen = awaitOpenFiles(count -> count >= IDLE_CONNECTIONS, "the proxy to hold them all");

            NormalClient.Latencies meanwhile = NormalClient.runFor(SCENE.backend("normal"), Duration.ofSeconds(3)).get(60, TimeUnit.SECONDS);
            // The idle connections are live ones: the first and the last opened can still be used.
            assertProbeServedOn(idle.get(0));
            assertProbeServedOn(idle.get(idle.size() - 1));
            System.out.printf("%d idle connections opened in %d ms (%d connects waited for a resent SYN); the proxy"
                    + " held %d files (%d before); normal client meanwhile: %s%n", idle.size(), opening.toMillis(), resent,
                    filesOpen, filesBefore, meanwhile);
            // With Jetty's default accept queue (the JDK's 50), some 70 connects waited a second each: over a minute.
            assertTrue(opening.compareTo(OPENING_WELL_WITHIN) < 0, "opening took " + opening.toMillis() + " ms, "
                    + resent + " connects waiting for a resent SYN");
            meanwhile.assertNormal();
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }

        long filesAfter = awaitOpenFiles(count -> count <= filesBefore + 100, "the proxy to close them");
        System.out.printf("after closing: the proxy holds %d files%n", filesAfter);
        SCENE.backend("normal").assertServed();
        SCENE.proxy().gauges().awaitAllZero();
    }

    private static void assertProbeServedOn(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("GET " + SCENE.backend("normal").path("probe") + " HTTP/1.1\r\nHost: a\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        RawResponse answer = RawResponse.read(new BufferedInputStream(socket.getInputStream()), false);
        assertEquals(200, answer.status(), answer.toString());
    }

    /** Waits (up to 30 s) until the proxy's count of open files passes the check; returns the count. */
    private static long awaitOpenFiles(LongPredicate check, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long count = openFiles(SCENE.proxy().pid());
        while (!check.test(count)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 30 s for " + what + "; it holds " + count + " open files");
            }
            Thread.sleep(200);
            count = openFiles(SCENE.proxy().pid());
        }
        return count;
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    // Linux shows a process's open files, sockets included, in /proc/<pid>/fd.
    private static long openFiles(long pid) throws IOException {
        try (Stream<Path> files = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return files.count();
        }
    }
}
