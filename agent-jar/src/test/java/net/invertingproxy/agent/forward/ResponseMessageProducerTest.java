package net.invertingproxy.agent.forward;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.protocol.ResponseHead;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.http.nio.CapacityChannel;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The response message as the post to the proxy takes it, driven by hand on one thread: HttpCore's
 * channels are fakes that record what the producer does, so every interleaving here is exact.
 */
class ResponseMessageProducerTest {
    // The producer's window and the point below which it lets the backend send again.
    private static final int WINDOW = 128 * 1024;
    private static final int HALF = WINDOW / 2;
    // The backend client's read buffer (8 KiB): HttpCore hands over at most this much at once.
    private static final int PIECE = 8 * 1024;
    private static final int UNLIMITED = Integer.MAX_VALUE;
    private static final MessageReader READER = new MessageReader(64 * 1024, 100);
    private static final ResponseHead HEAD = new ResponseHead(200, "OK",
            List.of(new BasicHeader("Content-Type", "application/octet-stream"), new BasicHeader("X-Request", "r1")));

    /** The post's side: takes at most {@code maxPerWrite} bytes a write and records every call. */
    private static final class FakePost implements DataStreamChannel {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        int maxPerWrite;
        int writes;
        int largestWrite;
        int outputRequests;
        int ends;
        int writtenAtEnd = -1;

        FakePost(int maxPerWrite) {
            this.maxPerWrite = maxPerWrite;
        }

        @Override
        public void requestOutput() {
            outputRequests++;
        }

        @Override
        public int write(ByteBuffer src) {
            if (ends > 0) {
                throw new AssertionError("write after endStream");
            }
            int count = Math.min(src.remaining(), maxPerWrite);
            byte[] bytes = new byte[count];
            src.get(bytes);
            written.write(bytes, 0, count);
            writes++;
            largestWrite = Math.max(largestWrite, count);
            return count;
        }

        @Override
        public void endStream() {
            endStream(null);
        }

        @Override
        public void endStream(List<? extends Header> trailers) {
            // The message carries its own trailers; the post's chunked framing has none.
            assertNull(trailers, "trailers on the post itself");
            ends++;
            writtenAtEnd = written.size();
        }

        byte[] bytes() {
            return written.toByteArray();
        }
    }

    /** The backend's side: records every increment of its window. */
    private static final class FakeBackend implements CapacityChannel {
        final List<Integer> grants = new ArrayList<>();

        @Override
        public void update(int increment) {
            grants.add(increment);
        }

        long granted() {
            return grants.stream().mapToLong(Integer::longValue).sum();
        }
    }

    /** A parsed message: head, whole body and trailers. */
    private record Parsed(ResponseHead head, BodyFraming framing, byte[] body, List<String> trailers) {
    }

    private static Parsed parse(byte[] wire, String method) throws IOException {
        MessageReader.IncomingResponse response = READER.readResponse(new ByteArrayInputStream(wire), method);
        byte[] body = response.body().readAllBytes();
        return new Parsed(response.head(), response.body().framing(), body, render(response.body().trailers()));
    }

    private static List<String> render(List<? extends Header> headers) {
        List<String> lines = new ArrayList<>();
        for (Header header : headers) {
            lines.add(header.getName() + ": " + header.getValue());
        }
        return lines;
    }

    private static byte[] bytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static int headLength(byte[] wire) {
        String text = new String(wire, ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        assertTrue(end > 0, "no end of head in " + text);
        return end + 4;
    }

    /**
     * A piece of {@code body} as the backend client might hand it over: a plain heap buffer, a heap
     * buffer whose array starts before it, a direct buffer, or a read-only one (no array either).
     */
    private static ByteBuffer piece(byte[] body, int offset, int length, int variant) {
        switch (variant % 4) {
            case 0:
                return ByteBuffer.wrap(body, offset, length);
            case 1:
                return ByteBuffer.wrap(body).slice(offset, length);
            case 2:
                ByteBuffer direct = ByteBuffer.allocateDirect(length);
                direct.put(body, offset, length).flip();
                return direct;
            default:
                return ByteBuffer.wrap(body, offset, length).asReadOnlyBuffer();
        }
    }

    /** Feeds {@code body} in pieces of the given sizes (in turn), each of another kind of buffer. */
    private static void feed(ResponseMessageProducer message, byte[] body, int... sizes) throws IOException {
        int offset = 0;
        for (int i = 0; offset < body.length; i++) {
            int length = Math.min(sizes[i % sizes.length], body.length - offset);
            ByteBuffer data = piece(body, offset, length, i);
            message.bodyData(data);
            assertFalse(data.hasRemaining(), "piece " + i + " not taken whole");
            offset += length;
        }
    }

    /** Calls produce until the message has nothing more to give; fails if that never happens. */
    private static void drain(ResponseMessageProducer message, FakePost post) throws IOException {
        for (int calls = 0; message.available() > 0; calls++) {
            if (calls > 1_000_000) {
                fail("the message never ran dry; " + post.written.size() + " bytes written");
            }
            message.produce(post);
        }
    }

    // 1. The head

    @ParameterizedTest
    @ValueSource(strings = {"chunked", "length"})
    void headIsTakenBeforeAnyBodyByteArrives(String framing) throws IOException {
        boolean chunked = framing.equals("chunked");
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD,
                chunked ? BodyFraming.chunked() : BodyFraming.ofLength(10), chunked ? List::of : null);

        int available = message.available();
        assertTrue(available > 0, "nothing available before the body");
        FakePost post = new FakePost(UNLIMITED);
        message.produce(post);

        byte[] wire = post.bytes();
        assertEquals(available, wire.length);
        assertEquals(wire.length, headLength(wire), "more than the head was written");
        assertEquals(0, message.available());
        assertEquals(0, post.ends);
        MessageReader.IncomingResponse response = READER.readResponse(new ByteArrayInputStream(wire), "GET");
        assertEquals(200, response.head().status());
        assertEquals("OK", response.head().reasonPhrase());
        assertEquals(List.of("Content-Type: application/octet-stream", "X-Request: r1"),
                render(response.head().headers()));
        assertEquals(chunked ? BodyFraming.chunked() : BodyFraming.ofLength(10), response.body().framing());
    }

    // 2. Content-Length framing

    @Test
    void bodyOfKnownLengthComesOutByteExactAndEndsOnceAllIsWritten() throws IOException {
        byte[] body = bytes(100_000, 1);
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.ofLength(body.length), null);
        FakePost post = new FakePost(UNLIMITED);
        message.produce(post);
        int head = post.written.size();

        // The first half is taken as it comes, the second piles up.
        feed(message, Arrays.copyOfRange(body, 0, 50_000), 1, 100, 8192, 20_000, 3000, 8193);
        drain(message, post);
        assertEquals(head + 50_000, post.written.size());
        feed(message, Arrays.copyOfRange(body, 50_000, body.length), 8192, 7, 30_000, 1);
        assertEquals(0, post.ends, "ended before the body did");

        message.bodyEnded();
        assertEquals(0, post.ends, "ended before the post took the rest");
        assertEquals(50_000, message.available());
        post.maxPerWrite = 30_000;
        message.produce(post);
        assertEquals(0, post.ends, "ended with bytes still pending");
        drain(message, post);

        assertEquals(1, post.ends);
        assertEquals(head + body.length, post.writtenAtEnd, "endStream before all bytes were written");
        assertEquals(post.writtenAtEnd, post.written.size());
        // Asked again, the message has nothing more, and never ends twice.
        assertEquals(0, message.available());
        message.produce(post);
        assertEquals(1, post.ends);
        Parsed parsed = parse(post.bytes(), "GET");
        assertEquals(BodyFraming.ofLength(body.length), parsed.framing());
        assertArrayEquals(body, parsed.body());
        assertNull(message.backendFailure());
    }

    @Test
    void bodyShorterThanItsLengthNeverEndsTheMessage() throws IOException {
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.ofLength(10), null);
        FakePost post = new FakePost(UNLIMITED);
        message.bodyData(ByteBuffer.wrap(bytes(9, 2)));

        assertThrows(IOException.class, message::bodyEnded);
        drain(message, post);
        assertEquals(0, post.ends, "a short body ended the message");
    }

    @Test
    void bodyLongerThanItsLengthIsRefused() throws IOException {
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.ofLength(10), null);
        FakePost post = new FakePost(UNLIMITED);
        message.produce(post);
        int head = post.written.size();

        assertThrows(IOException.class, () -> message.bodyData(ByteBuffer.wrap(bytes(11, 3))));
        drain(message, post);
        assertEquals(head, post.written.size(), "bytes beyond the length were framed");
        assertEquals(0, post.ends);
    }

    // 3. Chunked framing with trailers

    @Test
    void chunkedBodyEndsWithTheTrailersOfTheBackend() throws IOException {
        byte[] body = bytes(70_000, 4);
        AtomicInteger asked = new AtomicInteger();
        Supplier<List<Header>> trailers = () -> {
            asked.incrementAndGet();
            return List.of(new BasicHeader("X-Checksum", "abc"), new BasicHeader("X-Count", "3"));
        };
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.chunked(), trailers);
        FakePost post = new FakePost(1000);

        feed(message, body, 5000, 0, 1, 8192, 12_345);
        message.produce(post);
        assertEquals(0, asked.get(), "trailers asked for before the body ended");
        message.bodyEnded();
        assertEquals(1, asked.get());
        drain(message, post);

        assertEquals(1, post.ends);
        assertEquals(post.written.size(), post.writtenAtEnd);
        Parsed parsed = parse(post.bytes(), "GET");
        assertEquals(BodyFraming.chunked(), parsed.framing());
        assertArrayEquals(body, parsed.body());
        assertEquals(List.of("X-Checksum: abc", "X-Count: 3"), parsed.trailers());
        assertEquals(List.of("Content-Type: application/octet-stream", "X-Request: r1"),
                render(parsed.head().headers()));
        assertEquals(1, asked.get());
    }

    @Test
    void chunkedBodyWithoutTrailersParsesWithNone() throws IOException {
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.chunked(), List::of);
        FakePost post = new FakePost(UNLIMITED);
        message.bodyData(ByteBuffer.wrap("hello".getBytes(ISO_8859_1)));
        message.bodyEnded();
        drain(message, post);

        Parsed parsed = parse(post.bytes(), "GET");
        assertEquals("hello", new String(parsed.body(), ISO_8859_1));
        assertEquals(List.of(), parsed.trailers());
        assertEquals(1, post.ends);
    }

    // 4. Partial writes

    @ParameterizedTest
    @ValueSource(strings = {"chunked", "length"})
    void postTakingAFewBytesAtATimeGetsEverythingInOrder(String framing) throws IOException {
        boolean chunked = framing.equals("chunked");
        byte[] body = bytes(20_000, 5);
        List<Header> sentTrailers = List.of(new BasicHeader("X-Done", "yes"));
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD,
                chunked ? BodyFraming.chunked() : BodyFraming.ofLength(body.length), chunked ? () -> sentTrailers : null);
        FakePost post = new FakePost(7);

        int offset = 0;
        int[] sizes = {1, 700, 8192, 33, 4000};
        for (int i = 0; offset < body.length; i++) {
            int length = Math.min(sizes[i % sizes.length], body.length - offset);
            message.bodyData(piece(body, offset, length, i));
            offset += length;
            // The post is slower than the backend: a few small writes between pieces.
            for (int j = 0; j < 3; j++) {
                message.produce(post);
            }
        }
        message.bodyEnded();
        drain(message, post);

        assertEquals(1, post.ends);
        assertEquals(post.written.size(), post.writtenAtEnd);
        assertEquals(7, post.largestWrite);
        assertTrue(post.writes >= post.written.size() / 7, post.writes + " writes");
        Parsed parsed = parse(post.bytes(), "GET");
        assertArrayEquals(body, parsed.body());
        assertEquals(chunked ? List.of("X-Done: yes") : List.of(), parsed.trailers());
    }

    @Test
    void postTakingNothingKeepsEverythingPending() throws IOException {
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.ofLength(3), null);
        FakePost post = new FakePost(0);
        int head = message.available();
        message.bodyData(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        message.bodyEnded();
        for (int i = 0; i < 5; i++) {
            message.produce(post);
        }
        assertEquals(head + 3, message.available());
        assertEquals(0, post.ends, "ended without writing anything");

        post.maxPerWrite = UNLIMITED;
        message.produce(post);
        assertEquals(1, post.ends);
        assertArrayEquals(new byte[] {1, 2, 3}, parse(post.bytes(), "GET").body());
    }

    // 5. Flow control

    @Test
    void backendIsHeldBackOnceHalfTheWindowIsPendingAndLetGoOnceThePostTookIt() throws IOException {
        byte[] body = bytes(1024 * 1024, 6);
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.ofLength(body.length), null);
        FakeBackend backend = new FakeBackend();
        FakePost post = new FakePost(0);
        message.produce(post);
        int head = message.available();
        assertEquals(0, post.outputRequests);

        // HttpCore's window towards the backend, small at first, so the producer has something to grant.
        long window = 2 * PIECE;
        int sent = 0;
        int pieces = 0;
        int capacityAsked = 0;
        while (true) {
            message.bodyData(ByteBuffer.wrap(body, sent, PIECE));
            sent += PIECE;
            pieces++;
            // The head is still pending, so the post has output under way and needs no wake-up.
            assertEquals(0, post.outputRequests, "the post was woken while it had output pending");
            window -= PIECE;
            if (window <= 0) {
                int grantsBefore = backend.grants.size();
                message.updateCapacity(backend);
                capacityAsked++;
                if (backend.grants.size() == grantsBefore) {
                    break;
                }
                window += backend.grants.get(grantsBefore);
            }
            assertTrue(pieces < 100, "the backend was never held back");
        }

        // First asked with little pending: the whole window less what is pending.
        assertEquals(List.of(WINDOW - (head + 2 * PIECE)), backend.grants);
        assertEquals(2, capacityAsked);
        int pending = message.available();
        assertEquals(head + sent, pending);
        assertTrue(pending >= HALF, pending + " pending");
        assertTrue(pending <= WINDOW + PIECE, pending + " pending");

        // The post takes some, but not yet half: the backend stays held back.
        post.maxPerWrite = pending - HALF;
        message.produce(post);
        assertEquals(HALF, message.available());
        assertEquals(1, backend.grants.size(), "let go with half the window still pending");

        // One more byte taken: now below half, the stored channel gets the rest of the window.
        post.maxPerWrite = 1;
        message.produce(post);
        assertEquals(HALF - 1, message.available());
        assertEquals(List.of(WINDOW - (head + 2 * PIECE), WINDOW - (HALF - 1)), backend.grants);

        // Let go once: further writes grant nothing until the backend is held back again.
        post.maxPerWrite = 1000;
        message.produce(post);
        assertEquals(2, backend.grants.size());

        // Once the post has taken everything, the next piece wakes it, once.
        post.maxPerWrite = UNLIMITED;
        message.produce(post);
        assertEquals(0, message.available());
        int requests = post.outputRequests;
        message.bodyData(ByteBuffer.wrap(body, sent, 10));
        assertEquals(requests + 1, post.outputRequests);
        message.bodyData(ByteBuffer.wrap(body, sent + 10, 10));
        assertEquals(requests + 1, post.outputRequests, "woken again while its output was pending");
    }

    @Test
    void askedWhileLittleIsPendingTheBackendGetsTheRestOfTheWindow() throws IOException {
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.chunked(), List::of);
        FakeBackend backend = new FakeBackend();
        message.updateCapacity(backend);
        assertEquals(List.of(WINDOW - message.available()), backend.grants);

        // Taking bytes while the backend was never held back grants nothing more.
        message.produce(new FakePost(UNLIMITED));
        assertEquals(1, backend.grants.size());
    }

    /**
     * The backend and the post at random paces (seeded): HttpCore reads the backend while its window
     * is open, asks for more once it is used up, and may overshoot it by one piece. Pending bytes
     * never exceed the window and one piece, and the exchange never stalls.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void pendingBytesStayWithinTheWindowWhateverThePace(long seed) throws IOException {
        Random random = new Random(seed);
        byte[] body = bytes(2 * 1024 * 1024, seed);
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.ofLength(body.length), null);
        FakeBackend backend = new FakeBackend();
        FakePost post = new FakePost(0);
        // HttpCore's window: its initial size (Http1Config's default) and every grant, less what it read.
        long initialWindow = 65_535;
        int sent = 0;
        int heldBack = 0;
        int letGo = 0;
        int largestPending = 0;
        for (int steps = 0; post.ends == 0; steps++) {
            long window = initialWindow + backend.granted() - sent;
            if (steps > 100_000) {
                fail("stalled with " + sent + " bytes sent, " + message.available() + " pending and window " + window);
            }
            boolean backendMay = sent < body.length && window > 0;
            if (backendMay && random.nextInt(10) < 7) {
                int length = Math.min(1 + random.nextInt(PIECE), body.length - sent);
                message.bodyData(piece(body, sent, length, random.nextInt(4)));
                sent += length;
                if (sent == body.length) {
                    message.bodyEnded();
                } else if (window - length <= 0) {
                    int grantsBefore = backend.grants.size();
                    message.updateCapacity(backend);
                    if (backend.grants.size() == grantsBefore) {
                        heldBack++;
                    }
                }
            } else {
                // Stretches of a post slower than the backend, then of a faster one.
                boolean slowPost = steps / 300 % 2 == 0;
                post.maxPerWrite = random.nextInt(slowPost ? PIECE : 4 * PIECE);
                int grantsBefore = backend.grants.size();
                message.produce(post);
                if (backend.grants.size() > grantsBefore) {
                    letGo++;
                }
            }
            for (int grant : backend.grants) {
                assertTrue(grant > 0, "granted " + grant);
            }
            int pending = message.available();
            largestPending = Math.max(largestPending, pending);
            assertTrue(pending <= WINDOW + PIECE, pending + " bytes pending");
        }

        assertTrue(heldBack > 0, "the backend was never held back");
        assertEquals(heldBack, letGo, "held back " + heldBack + " times, let go " + letGo);
        assertTrue(largestPending > HALF, "largest pending " + largestPending);
        assertEquals(post.written.size(), post.writtenAtEnd);
        assertArrayEquals(body, parse(post.bytes(), "GET").body());
    }

    // 6. Failure

    @Test
    void backendFailureFailsThePostInsteadOfEndingIt() throws IOException {
        AtomicInteger trailersAsked = new AtomicInteger();
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.chunked(), () -> {
            trailersAsked.incrementAndGet();
            return List.of();
        });
        FakePost post = new FakePost(UNLIMITED);
        message.bodyData(ByteBuffer.wrap(bytes(1000, 7)));
        message.produce(post);
        int written = post.written.size();
        message.bodyData(ByteBuffer.wrap(bytes(1000, 8)));
        int requests = post.outputRequests;

        IOException cause = new IOException("backend reset");
        message.backendFailed(cause);

        assertSame(cause, message.backendFailure());
        assertEquals(requests + 1, post.outputRequests, "the post was not woken to fail");
        // Asked once more, only to fail: the pending bytes are dropped at once.
        assertEquals(1, message.available(), "the post would never be asked to fail, or bytes were kept");
        assertSame(cause, assertThrows(IOException.class, () -> message.produce(post)));
        assertEquals(written, post.written.size(), "pending bytes written after the failure");

        // Whatever the backend client does afterwards is ignored.
        ByteBuffer late = ByteBuffer.allocateDirect(500);
        message.bodyData(late);
        assertFalse(late.hasRemaining());
        message.bodyEnded();
        message.backendFailed(new IOException("second"));
        assertSame(cause, message.backendFailure());
        assertEquals(1, message.available(), "bytes framed after the failure");
        assertSame(cause, assertThrows(IOException.class, () -> message.produce(post)));
        assertEquals(written, post.written.size());
        assertEquals(0, post.ends);
        assertEquals(0, trailersAsked.get(), "the body was ended after it broke");
    }

    @Test
    void failureAfterTheBodyEndedWhileTheEndWasNotYetSentIsIgnored() throws IOException {
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.ofLength(4), null);
        FakePost post = new FakePost(0);
        message.bodyData(ByteBuffer.wrap(new byte[4]));
        message.bodyEnded();
        message.produce(post);

        // The body arrived whole: the message is taken to its end whatever happens to the backend call.
        message.backendFailed(new IOException("cancelled"));
        post.maxPerWrite = UNLIMITED;
        message.produce(post);
        assertNull(message.backendFailure());
        assertEquals(1, post.ends);
    }

    @Test
    void failureAfterTheEndWasSentIsIgnored() throws IOException {
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.ofLength(4), null);
        FakePost post = new FakePost(UNLIMITED);
        message.bodyData(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
        message.bodyEnded();
        message.produce(post);
        assertEquals(1, post.ends);
        int written = post.written.size();
        int requests = post.outputRequests;

        message.backendFailed(new IOException("late"));

        assertNull(message.backendFailure());
        assertEquals(0, message.available());
        message.produce(post);
        assertEquals(1, post.ends);
        assertEquals(written, post.written.size());
        assertEquals(requests, post.outputRequests);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, parse(post.bytes(), "GET").body());
    }

    // 7. No body

    @ParameterizedTest
    @ValueSource(ints = {UNLIMITED, 5})
    void headAnswerIsTheHeadAloneThenTheEnd(int maxPerWrite) throws IOException {
        ResponseHead head = new ResponseHead(200, "OK",
                List.of(new BasicHeader("Content-Type", "text/html"), new BasicHeader("Content-Length", "1234")));
        ResponseMessageProducer message = new ResponseMessageProducer(head, BodyFraming.none(), null);
        int available = message.available();
        assertTrue(available > 0);
        // The consumer ends a bodiless answer at once; data after that is ignored.
        message.bodyEnded();
        ByteBuffer stray = ByteBuffer.wrap(new byte[] {'x'});
        message.bodyData(stray);
        assertFalse(stray.hasRemaining());
        assertEquals(available, message.available());

        FakePost post = new FakePost(maxPerWrite);
        message.produce(post);
        if (maxPerWrite < available) {
            assertEquals(0, post.ends, "ended before the head was written");
        }
        drain(message, post);

        assertEquals(1, post.ends);
        assertEquals(available, post.writtenAtEnd);
        byte[] wire = post.bytes();
        assertEquals(wire.length, headLength(wire), "bytes after the head");
        Parsed parsed = parse(wire, "HEAD");
        assertEquals(BodyFraming.none(), parsed.framing());
        assertEquals(List.of("Content-Type: text/html", "Content-Length: 1234"), render(parsed.head().headers()));
        assertEquals(0, parsed.body().length);
    }

    @Test
    void noContentAnswerIsTheHeadAloneThenTheEnd() throws IOException {
        ResponseMessageProducer message = new ResponseMessageProducer(
                new ResponseHead(204, "No Content", List.of()), BodyFraming.none(), null);
        message.bodyEnded();
        FakePost post = new FakePost(UNLIMITED);
        message.produce(post);

        assertEquals(1, post.ends);
        assertEquals("HTTP/1.1 204 No Content\r\n\r\n", new String(post.bytes(), ISO_8859_1));
    }

    // Buffers without an array are copied through a buffer of the producer's own.

    @Test
    void emptyDirectPieceFirstDoesNotStallLaterOnes() throws IOException {
        byte[] body = bytes(20_000, 9);
        ResponseMessageProducer message = new ResponseMessageProducer(HEAD, BodyFraming.chunked(), List::of);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            message.bodyData(ByteBuffer.allocateDirect(0));
            message.bodyData(piece(body, 0, 3, 2));
            message.bodyData(piece(body, 3, body.length - 3, 2));
        }, "copying a direct buffer made no progress");
        message.bodyEnded();
        FakePost post = new FakePost(UNLIMITED);
        drain(message, post);
        assertArrayEquals(body, parse(post.bytes(), "GET").body());
    }
}
