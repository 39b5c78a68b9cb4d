package net.invertingproxy.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

/** A logging configuration cannot turn the raw-byte loggers down to debug level. */
class SecretSafeLoggingTest {
    @Test
    void theWireLogStaysAtInfoWhateverItWasSetTo() {
        Logger wire = Logger.getLogger("org.apache.hc.client5.http.wire");
        Level before = wire.getLevel();
        try {
            wire.setLevel(Level.FINEST);

            SecretSafeLogging.capRawByteLoggers();

            assertEquals(Level.INFO, wire.getLevel());
            assertFalse(wire.isLoggable(Level.FINE));
            wire.setLevel(Level.SEVERE);
            SecretSafeLogging.capRawByteLoggers();
            assertEquals(Level.SEVERE, wire.getLevel(), "a level above INFO is kept");
        } finally {
            wire.setLevel(before);
        }
    }
}
