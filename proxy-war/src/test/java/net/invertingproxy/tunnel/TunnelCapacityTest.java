package net.invertingproxy.tunnel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.Test;

import net.invertingproxy.agent.Agent;
import net.invertingproxy.agent.config.AgentConfig;

/**
 * The proxy's threads are not used up by waiting: beyond the streaming bound an exchange gets
 * 503, parked requests hold none, and health checks still answer.
 */
class TunnelCapacityTest {
    @Test
    void streamBeyondTheBoundGets503AndHealthStillAnswers() throws Exception {
        try (Tunnel tunnel = Tunnel.start(Tunnel.settings("max-streaming-exchanges", "1"))) {
            CountDownLatch release = new CountDownLatch(1);
            tunnel.backend.behave((request, response, recorded) -> {
                if (request.getRequestURI().equals("/endless")) {
                    response.setStatus(200);
                    response.getOutputStream().write("first piece\n".getBytes(UTF_8));
                    response.flushBuffer();
                    release.await(20, TimeUnit.SECONDS);
                } else {
                    response.setStatus(200);
                    response.getOutputStream().write("short".getBytes(UTF_8));
                }
            });

            try (ClassicHttpResponse stream = tunnel.client.executeOpen(null, new HttpGet(tunnel.uri("/endless")), null)) {
                InputStream body = stream.getEntity().getContent();
                assertEquals("first piece\n", new String(body.readNBytes(12), UTF_8));

                String second = tunnel.client.execute(new HttpGet(tunnel.uri("/short")),
                        response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()).trim());
                String health = tunnel.client.execute(new HttpGet(tunnel.uri("/healthz")),
                        response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()).trim());

                assertEquals("503 the proxy is moving as many bodies as it may", second);
                assertEquals("200 ok", health);
                release.countDown();
            }

            String after = tunnel.client.execute(new HttpGet(tunnel.uri("/short")),
                    response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()));
            assertTrue(after.equals("200 short"), "a slot is free again once the stream ended: " + after);
        }
    }

    /*
     * A parked request waits without a thread (async servlet), so a proxy with a 16-thread pool
     * holds three times as many parked requests and still answers its health check at once. The
     * agent polled a moment ago, so the backend counts as served, but no poll is held: nothing
     * is taken until the real agent starts, which then serves every parked request.
     */
    @Test
    void requestsParkedBeyondTheThreadPoolHoldNoThreadAndAreAllServedOnceAnAgentComes() throws Exception {
        int threads = 16;
        int parked = 3 * threads;
        Map<String, String> settings = Tunnel.settings("poll-hold-seconds", "1", "agent-offline-after-seconds", "60");
        try (Tunnel tunnel = Tunnel.withoutAgent(settings, options -> options.withMaxThreads(threads))) {
            tunnel.backend.behave((request, response, recorded) -> {
                response.setStatus(200);
                response.getOutputStream().write(request.getRequestURI().getBytes(UTF_8));
            });
            // One poll held to its end with no work: the backend is online, and no poll waits.
            RawResponse emptyPoll = new RawAgent(tunnel.proxy.port()).poll();
            assertEquals(200, emptyPoll.status(), emptyPoll.toString());

            List<RawClient> clients = new ArrayList<>();
            Agent agent = null;
            try {
                for (int i = 0; i < parked; i++) {
                    RawClient client = RawClient.connect(tunnel.proxy.port());
                    clients.add(client);
                    client.send("GET /parked/" + i + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                }
                tunnel.awaitQueuedRequests(parked);

                long start = System.nanoTime();
                try (RawClient health = RawClient.connect(tunnel.proxy.port()).readTimeout(1_000)) {
                    health.send("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                    RawResponse answer = health.readResponse();
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    assertEquals(200, answer.status(), answer.toString());
                    assertEquals("ok\n", answer.bodyText());
                    assertTrue(took.compareTo(Duration.ofSeconds(1)) < 0, "the health check took " + took);
                }
                for (int i = 0; i < parked; i++) {
                    assertEquals(0, clients.get(i).input().available(), "request " + i + " was answered while parked");
                }

                agent = Agent.start(AgentConfig.parse("-proxy", tunnel.proxy.baseUri().toString(),
                        "-backend", "default", "-host", tunnel.backend.hostAndPort(), "-credential", tunnel.agentCredential()));

                for (int i = 0; i < parked; i++) {
                    RawResponse answer = clients.get(i).readResponse();
                    assertEquals(200, answer.status(), i + ": " + answer);
                    assertEquals("/parked/" + i, answer.bodyText(), i + ": " + answer);
                }
            } finally {
                if (agent != null) {
                    agent.stop(Duration.ofSeconds(1));
                }
                for (RawClient client : clients) {
                    client.close();
                }
            }
        }
    }
}
