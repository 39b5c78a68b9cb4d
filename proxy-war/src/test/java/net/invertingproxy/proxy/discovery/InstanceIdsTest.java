package net.invertingproxy.proxy.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InstanceIdsTest {
    @Test
    void aRegistryIdIsItsOwnInstanceId() {
        assertEquals("billing.eu_1-x", InstanceIds.of("billing.eu_1-x"));
        String longest = "a".repeat(64);
        assertEquals(longest, InstanceIds.of(longest));
    }

    @Test
    void otherIdsBecomeValidStableAndDistinct() {
        String id = InstanceIds.of("bill ing");
        assertTrue(id.matches("[0-9a-zA-Z_/:.@-]{1,64}"), id);
        assertEquals(id, InstanceIds.of("bill ing"));
        assertNotEquals(id, InstanceIds.of("bill+ing"));
        String tooLong = InstanceIds.of("b".repeat(100));
        assertTrue(tooLong.length() <= 64, tooLong);
        assertNotEquals(tooLong, InstanceIds.of("b".repeat(101)));
    }
}
