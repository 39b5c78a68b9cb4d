package net.invertingproxy.proxy.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.apache.hc.core5.http.message.BasicHeader;
import org.junit.jupiter.api.Test;

import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.protocol.ResponseHead;
import net.invertingproxy.proxy.config.InspectorSettings;
import net.invertingproxy.proxy.observe.ExchangeOutcome;
import net.invertingproxy.proxy.observe.ExchangeSummary;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.EndUserAccess;
import net.invertingproxy.proxy.registry.Inspection;
import net.invertingproxy.proxy.registry.Route;

/** The inspector keeps what it may, for as many exchanges as it may, and no more. */
class ExchangeInspectorTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T08:00:00Z"), ZoneOffset.UTC);

    @Test
    void eachBackendKeepsItsLatestExchangesNewestFirst() throws IOException {
        ExchangeInspector inspector = new ExchangeInspector(new InspectorSettings(3, 1 << 20, List.of()), id -> true, CLOCK);
        Backend backend = backend("a", Inspection.HEADS_ONLY);
        for (int i = 1; i <= 5; i++) {
            run(inspector, backend, "/" + i, "", "");
        }
        run(inspector, backend("b", Inspection.HEADS_ONLY), "/b", "", "");

        assertEquals(List.of("/5", "/4", "/3"), inspector.recent("a").stream().map(InspectedExchange::target).toList());
        assertEquals(1, inspector.recent("b").size());
        assertTrue(inspector.find("a", inspector.recent("a").get(2).sequence()).isPresent());
        assertTrue(inspector.find("a", 1).isEmpty(), "the first exchange was pushed out");
    }

    @Test
    void allKeptExchangesStayWithinTheByteBoundOldestGoingFirst() throws IOException {
        ExchangeInspector inspector = new ExchangeInspector(new InspectorSettings(1000, 20_000, List.of()), id -> true, CLOCK);
        Backend backend = backend("a", new Inspection(true, 4096));
        String body = "x".repeat(4096);
        for (int i = 0; i < 50; i++) {
            run(inspector, backend, "/" + i, body, body);
        }

        assertTrue(inspector.keptBytes() <= 20_000, "kept " + inspector.keptBytes());
        List<InspectedExchange> kept = inspector.recent("a");
        assertTrue(kept.size() >= 1 && kept.size() < 5, kept.size() + " kept");
        assertEquals("/49", kept.get(0).target());
    }

    @Test
    void credentialsAreHiddenAndBodiesKeptOnlyUpToTheBackendsBound() throws IOException {
        ExchangeInspector inspector = new ExchangeInspector(new InspectorSettings(10, 1 << 20, List.of("X-Secret")), id -> true, CLOCK);
        Backend backend = backend("a", new Inspection(true, 4));

        run(inspector, backend, "/p", "abcdefgh", "xy");

        InspectedExchange kept = inspector.recent("a").get(0);
        assertEquals(List.of(new InspectedHeader("Authorization", "[redacted]"), new InspectedHeader("X-Secret",
                "[redacted]"), new InspectedHeader("X-Api-Token", "[redacted]"), new InspectedHeader("Accept", "*/*")),
                kept.requestHeaders());
        assertEquals(List.of(new InspectedHeader("Set-Cookie", "[redacted]")), kept.responseHeaders());
        assertEquals("abcd", new String(kept.requestBody(), StandardCharsets.UTF_8));
        assertEquals(8, kept.requestBytes());
        assertEquals("xy", new String(kept.responseBody(), StandardCharsets.UTF_8));
        assertEquals(false, kept.replayable());
    }

    @Test
    void onlyARequestWhoseBodyPassedWholeAndWasKeptWholeCanBeReplayed() throws IOException {
        ExchangeInspector inspector = new ExchangeInspector(new InspectorSettings(10, 1 << 20, List.of()), id -> true, CLOCK);
        Backend backend = backend("a", new Inspection(true, 1024));
        ExchangeCapture refusedBeforeTheBody = inspector.capture(backend, new RequestHead("POST", "/never", List.of()), true);
        finish(refusedBeforeTheBody, "/never");
        run(inspector, backend, "/whole", "body", "");
        run(inspector, backend, "/bodiless", "", "");
        ExchangeCapture withToken = inspector.capture(backend, new RequestHead("GET", "/cb?code=c0de&state=s", List.of()), false);
        finish(withToken, "/cb");

        List<InspectedExchange> kept = inspector.recent("a");
        assertEquals("/cb?code=[redacted]&state=s", kept.get(0).target());
        assertEquals(List.of(false, true, true, false), kept.stream().map(InspectedExchange::replayable).toList(),
                "newest first: a hidden query value, no body, a whole body, a body that never came");
    }

    @Test
    void exchangesOfABackendNoLongerRegisteredAreNotKept() throws IOException {
        ExchangeInspector inspector = new ExchangeInspector(new InspectorSettings(10, 1 << 20, List.of()),
                id -> !id.equals("deleted"), CLOCK);

        run(inspector, backend("deleted", Inspection.HEADS_ONLY), "/late", "", "");

        assertEquals(List.of(), inspector.recent("deleted"));
        assertEquals(0, inspector.keptBytes());
    }

    @Test
    void aBackendWithTheInspectorOffIsNotCaptured() {
        ExchangeInspector inspector = new ExchangeInspector(new InspectorSettings(10, 1 << 20, List.of()), id -> true, CLOCK);

        assertSame(ExchangeCapture.NONE, inspector.capture(backend("a", new Inspection(false, 0)),
                new RequestHead("GET", "/", List.of()), false));
    }

    @Test
    void runningExchangesThatFindNoRoomKeepTheirHeadsOnly() throws IOException {
        ExchangeInspector inspector = new ExchangeInspector(new InspectorSettings(10, 100_000, List.of()), id -> true, CLOCK);
        Backend backend = backend("a", new Inspection(true, 65_536));
        ExchangeCapture first = inspector.capture(backend, new RequestHead("POST", "/1", List.of()), true);
        ExchangeCapture second = inspector.capture(backend, new RequestHead("POST", "/2", List.of()), true);

        write(second.requestBody(new ByteArrayOutputStream()), "body");
        finish(second, "/2");
        finish(first, "/1");

        InspectedExchange withoutRoom = inspector.recent("a").get(1);
        assertEquals("/2", withoutRoom.target());
        assertEquals(0, withoutRoom.requestBody().length, "two 64 KiB reservations do not fit in 100,000 bytes");
        assertEquals(4, withoutRoom.requestBytes());
    }

    private static Backend backend(String id, Inspection inspection) {
        EndUserAccess apiKey = new EndUserAccess(net.invertingproxy.proxy.registry.AccessMode.API_KEY, "X-Api-Token",
                List.of(), List.of(), null, List.of());
        return new Backend(id, List.of(new Route(null, "/", false)), List.of(), null, apiKey, null, Instant.EPOCH,
                null, null, inspection);
    }

    private static void run(ExchangeInspector inspector, Backend backend, String target, String requestBody,
                            String responseBody) throws IOException {
        ExchangeCapture capture = inspector.capture(backend, new RequestHead("POST", target, List.of(
                new BasicHeader("Authorization", "Bearer s"), new BasicHeader("X-Secret", "s"),
                new BasicHeader("X-Api-Token", "s"), new BasicHeader("Accept", "*/*"))), !requestBody.isEmpty());
        write(capture.requestBody(new ByteArrayOutputStream()), requestBody);
        capture.requestBodyEnded();
        capture.responseStarted(new ResponseHead(200, "OK", List.of(new BasicHeader("Set-Cookie", "s=1"))));
        write(capture.responseBody(new ByteArrayOutputStream()), responseBody);
        finish(capture, target);
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void finish(ExchangeCapture capture, String target) {
        capture.finish(new ExchangeSummary("a", "POST", target, 200, ExchangeOutcome.ANSWERED, "", 0, 0,
                Duration.ZERO, Duration.ofMillis(3), null, "127.0.0.1"));
    }
}
