package net.invertingproxy.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

/** A logging configuration cannot turn the raw-byte loggers down to debug level, nor the cookie loggers to WARNING. */
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

    @Test
    void httpClientsCookieLoggersStayAboveWarning() {
        for (String name : new String[] {"org.apache.hc.client5.http.protocol.ResponseProcessCookies",
                "org.apache.hc.client5.http.protocol.RequestAddCookies"}) {
            Logger cookies = Logger.getLogger(name);
            Level before = cookies.getLevel();
            try {
                cookies.setLevel(Level.FINEST);

                SecretSafeLogging.capRawByteLoggers();

                assertEquals(Level.SEVERE, cookies.getLevel(), name);
                assertFalse(cookies.isLoggable(Level.WARNING), name + " would log a rejected cookie's value");
            } finally {
                cookies.setLevel(before);
            }
        }
    }
}
