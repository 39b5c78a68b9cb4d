package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class BodyCopierTest {

    /** A sink that remembers what was written and how much of it had been flushed at each flush. */
    private static final class RecordingSink extends OutputStream {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        final List<Integer> flushedAt = new ArrayList<>();

        @Override
        public void write(int b) {
            written.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            written.write(b, off, len);
        }

        @Override
        public void flush() {
            flushedAt.add(written.size());
        }

        int unflushed() {
            return written.size() - (flushedAt.isEmpty() ? 0 : flushedAt.get(flushedAt.size() - 1));
        }
    }

    /** A source that hands out the given pieces one read at a time and never has anything available in advance. */
    private static final class TrickleSource extends InputStream {
        private final Deque<byte[]> pieces = new ArrayDeque<>();
        private final RecordingSink sink;
        final List<Integer> unflushedAtRead = new ArrayList<>();

        TrickleSource(RecordingSink sink, String... pieces) {
            this.sink = sink;
            for (String piece : pieces) {
                this.pieces.add(piece.getBytes(StandardCharsets.US_ASCII));
            }
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException("the copier reads into its buffer");
        }

        @Override
        public int read(byte[] b, int off, int len) {
            unflushedAtRead.add(sink.unflushed());
            byte[] piece = pieces.poll();
            if (piece == null) {
                return -1;
            }
            System.arraycopy(piece, 0, b, off, piece.length);
            return piece.length;
        }

        @Override
        public int available() {
            return 0;
        }
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(42).nextBytes(bytes);
        return bytes;
    }

    @Test
    void copiesAllBytesAndReturnsTheirCount() throws Exception {
        byte[] data = randomBytes(3 * BodyCopier.BUFFER_SIZE + 123);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();

        long copied = BodyCopier.copy(new ByteArrayInputStream(data), sink);

        assertEquals(data.length, copied);
        assertArrayEquals(data, sink.toByteArray());
    }

    @Test
    void copyingAnEmptySourceWritesNothingAndStillFlushes() throws Exception {
        RecordingSink sink = new RecordingSink();

        long copied = BodyCopier.copy(InputStream.nullInputStream(), sink);

        assertEquals(0, copied);
        assertEquals(0, sink.written.size());
        assertEquals(List.of(0), sink.flushedAt);
    }

    @Test
    void flushesWheneverTheSourceHasNothingAvailable() throws Exception {
        RecordingSink sink = new RecordingSink();
        TrickleSource source = new TrickleSource(sink, "data: one\n\n", "data: two\n\n", "x");

        long copied = BodyCopier.copy(source, sink);

        assertEquals(23, copied);
        assertEquals("data: one\n\ndata: two\n\nx", sink.written.toString(StandardCharsets.US_ASCII));
        // every byte handed out had been flushed before the copier went back to the source for more
        assertEquals(List.of(0, 0, 0, 0), source.unflushedAtRead);
        assertTrue(sink.flushedAt.containsAll(List.of(11, 22, 23)), () -> "flushed at " + sink.flushedAt);
        assertEquals(0, sink.unflushed());
    }

    @Test
    void doesNotFlushWhileTheSourceHasMoreAtHand() throws Exception {
        byte[] data = randomBytes(3 * BodyCopier.BUFFER_SIZE);
        RecordingSink sink = new RecordingSink();

        BodyCopier.copy(new ByteArrayInputStream(data), sink);

        assertArrayEquals(data, sink.written.toByteArray());
        assertFalse(sink.flushedAt.isEmpty());
        assertEquals(data.length, sink.flushedAt.get(0), () -> "first flush came early: " + sink.flushedAt);
    }

    @Test
    void failingSourceReadThrowsSourceFailedExceptionAfterCopyingWhatCameBefore() {
        IOException broken = new IOException("peer vanished");
        InputStream source = new InputStream() {
            private boolean first = true;

            @Override
            public int read() throws IOException {
                throw broken;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (first) {
                    first = false;
                    b[off] = 'a';
                    b[off + 1] = 'b';
                    return 2;
                }
                throw broken;
            }
        };
        ByteArrayOutputStream sink = new ByteArrayOutputStream();

        BodyCopier.SourceFailedException e =
                assertThrows(BodyCopier.SourceFailedException.class, () -> BodyCopier.copy(source, sink));

        assertSame(broken, e.getCause());
        assertEquals("peer vanished", e.getMessage());
        assertEquals("ab", sink.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void failingSourceAvailableThrowsSourceFailedException() {
        IOException broken = new IOException("available failed");
        InputStream failingAvailable = new FilterInputStream(new ByteArrayInputStream(new byte[] {1, 2, 3})) {
            @Override
            public int available() throws IOException {
                throw broken;
            }
        };

        BodyCopier.SourceFailedException e = assertThrows(BodyCopier.SourceFailedException.class,
                () -> BodyCopier.copy(failingAvailable, new ByteArrayOutputStream()));

        assertSame(broken, e.getCause());
    }

    @Test
    void failingSinkWriteThrowsSinkFailedException() {
        IOException broken = new IOException("client went away");
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw broken;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw broken;
            }
        };

        BodyCopier.SinkFailedException e = assertThrows(BodyCopier.SinkFailedException.class,
                () -> BodyCopier.copy(new ByteArrayInputStream(new byte[] {1, 2, 3}), sink));

        assertSame(broken, e.getCause());
        assertEquals("client went away", e.getMessage());
    }

    @Test
    void failingSinkFlushThrowsSinkFailedException() {
        IOException broken = new IOException("flush failed");
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) {
                written.write(b);
            }

            @Override
            public void flush() throws IOException {
                throw broken;
            }
        };

        BodyCopier.SinkFailedException e = assertThrows(BodyCopier.SinkFailedException.class,
                () -> BodyCopier.copy(new ByteArrayInputStream(new byte[] {1, 2, 3}), sink));

        assertSame(broken, e.getCause());
        assertArrayEquals(new byte[] {1, 2, 3}, written.toByteArray());
    }

    @Test
    void copyExactlyStopsAtTheAnnouncedLengthWithoutReadingOn() throws Exception {
        // The body, then what a servlet container would hand out once it reused the input for the next request.
        byte[] body = new byte[70_000];
        new Random(7).nextBytes(body);
        byte[] next = "POST /next HTTP/1.1 body of the connection's next request".getBytes(StandardCharsets.US_ASCII);
        byte[] both = new byte[body.length + next.length];
        System.arraycopy(body, 0, both, 0, body.length);
        System.arraycopy(next, 0, both, body.length, next.length);
        ByteArrayInputStream source = new ByteArrayInputStream(both);
        RecordingSink sink = new RecordingSink();

        assertEquals(body.length, BodyCopier.copyExactly(source, sink, body.length));

        assertArrayEquals(body, sink.written.toByteArray());
        assertEquals(next.length, source.available(), "not one byte past the body was read");
        assertEquals(0, sink.unflushed(), "the last byte is flushed");
    }

    @Test
    void copyExactlyFailsOnTheSourceWhenTheBodyEndsEarly() {
        RecordingSink sink = new RecordingSink();
        BodyCopier.SourceFailedException e = assertThrows(BodyCopier.SourceFailedException.class,
                () -> BodyCopier.copyExactly(new ByteArrayInputStream(new byte[10]), sink, 20));
        assertEquals(10, e.copied());
        assertTrue(e.getMessage().contains("ended before its announced 20"), e.getMessage());
    }
}
