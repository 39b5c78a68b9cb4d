package net.invertingproxy.proxy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class AddressRangeTest {
    @Test
    void ipv4RangeHoldsItsAddressesOnly() {
        AddressRange range = AddressRange.parse("10.1.0.0/16");
        assertTrue(range.contains("10.1.0.0"));
        assertTrue(range.contains("10.1.255.255"));
        assertFalse(range.contains("10.2.0.0"));
        assertFalse(range.contains("10.0.255.255"));
    }

    @Test
    void prefixThatIsNotWholeBytesComparesTheRightBits() {
        AddressRange range = AddressRange.parse("192.168.1.64/26");
        assertTrue(range.contains("192.168.1.64"));
        assertTrue(range.contains("192.168.1.127"));
        assertFalse(range.contains("192.168.1.63"));
        assertFalse(range.contains("192.168.1.128"));
    }

    @Test
    void bareAddressIsARangeOfOne() {
        AddressRange range = AddressRange.parse("203.0.113.7");
        assertTrue(range.contains("203.0.113.7"));
        assertFalse(range.contains("203.0.113.6"));
        assertFalse(range.contains("203.0.113.8"));
    }

    @Test
    void prefixEdgesZeroAndFull() {
        assertTrue(AddressRange.parse("0.0.0.0/0").contains("255.255.255.255"));
        assertTrue(AddressRange.parse("0.0.0.0/0").contains("0.0.0.0"));
        assertTrue(AddressRange.parse("198.51.100.9/32").contains("198.51.100.9"));
        assertFalse(AddressRange.parse("198.51.100.9/32").contains("198.51.100.10"));
        assertTrue(AddressRange.parse("2001:db8::1/128").contains("2001:db8::1"));
        assertFalse(AddressRange.parse("2001:db8::1/128").contains("2001:db8::2"));
        assertTrue(AddressRange.parse("::/0").contains("ffff::1"));
    }

    @Test
    void ipv6RangeHoldsItsAddressesOnly() {
        AddressRange range = AddressRange.parse("2001:db8::/32");
        assertTrue(range.contains("2001:db8::1"));
        assertTrue(range.contains("2001:DB8:ffff:ffff:ffff:ffff:ffff:ffff"));
        assertTrue(range.contains("[2001:db8::5]"));
        assertFalse(range.contains("2001:db9::1"));
        assertFalse(AddressRange.parse("2001:db8::/33").contains("2001:db8:8000::1"));
    }

    @Test
    void ipv4MappedIpv6AddressMatchesIpv4Range() {
        AddressRange range = AddressRange.parse("10.0.0.0/8");
        assertTrue(range.contains("::ffff:10.20.30.40"));
        assertFalse(range.contains("::ffff:11.20.30.40"));
        // Only the mapped form counts: an arbitrary IPv6 address ending in the same bytes is another host.
        assertFalse(range.contains("::10.20.30.40"));
        assertFalse(range.contains("2001:db8::a14:1e28"));
    }

    @Test
    void familiesDoNotMixOtherwise() {
        assertFalse(AddressRange.parse("2001:db8::/32").contains("10.0.0.1"));
        assertFalse(AddressRange.parse("0.0.0.0/0").contains("2001:db8::1"));
    }

    @Test
    void containsTakesInetAddressToo() throws Exception {
        AddressRange range = AddressRange.parse("127.0.0.0/8");
        assertTrue(range.contains(InetAddress.getByName("127.0.0.1")));
        assertFalse(range.contains(InetAddress.getByName("128.0.0.1")));
    }

    @Test
    void containsIsFalseForAnythingNotALiteralAddress() {
        AddressRange range = AddressRange.parse("0.0.0.0/0");
        assertFalse(range.contains("localhost"));
        assertFalse(range.contains("example.com"));
        assertFalse(range.contains("1.2.3.4:80"));
        assertFalse(range.contains("256.1.1.1"));
        assertFalse(range.contains("1.2.3"));
        assertFalse(range.contains(""));
        assertFalse(range.contains((String) null));
        assertFalse(range.contains("unknown"));
    }

    @Test
    void garbageIsRefusedWithAOneLineReason() {
        for (String garbage : new String[] {"", " ", "localhost", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/33",
            "10.0.0.0/-1", "2001:db8::/129", "300.0.0.0/8", "10.0.0/8", "example.com/8"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> AddressRange.parse(garbage), garbage);
            assertFalse(e.getMessage().contains("\n"), garbage);
        }
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse(null));
    }

    @Test
    void textIsKeptAsWritten() {
        assertEquals("10.0.0.0/8", AddressRange.parse(" 10.0.0.0/8 ").toString());
    }
}
