package net.invertingproxy.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BodyFramingTest {

    @Test
    void negativeLengthIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> BodyFraming.ofLength(-1));
    }

    @Test
    void zeroLengthMeansNoBody() {
        assertEquals(BodyFraming.Kind.CONTENT_LENGTH, BodyFraming.ofLength(0).kind());
        assertFalse(BodyFraming.ofLength(0).hasBody());
    }

    @Test
    void positiveLengthHasABodyOfThatLength() {
        BodyFraming framing = BodyFraming.ofLength(5_000_000_000L);

        assertEquals(BodyFraming.Kind.CONTENT_LENGTH, framing.kind());
        assertEquals(5_000_000_000L, framing.length());
        assertTrue(framing.hasBody());
    }

    @Test
    void noneHasNoBody() {
        assertEquals(BodyFraming.Kind.NONE, BodyFraming.none().kind());
        assertFalse(BodyFraming.none().hasBody());
    }

    @Test
    void chunkedAndUntilEofHaveBodiesOfUnknownLength() {
        assertEquals(BodyFraming.Kind.CHUNKED, BodyFraming.chunked().kind());
        assertTrue(BodyFraming.chunked().hasBody());
        assertEquals(-1, BodyFraming.chunked().length());
        assertEquals(BodyFraming.Kind.UNTIL_EOF, BodyFraming.untilEof().kind());
        assertTrue(BodyFraming.untilEof().hasBody());
        assertEquals(-1, BodyFraming.untilEof().length());
    }
}
