package net.invertingproxy.proxy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class ClientAddressesTest {
    private final ClientAddresses addresses = new ClientAddresses(
            List.of(AddressRange.parse("10.0.0.0/8"), AddressRange.parse("fd00::/8")));

    private static ClientRequestView request(String peer, String... forwardedFor) {
        return ClientRequestView.of(peer, Map.of("X-Forwarded-For", Arrays.asList(forwardedFor)));
    }

    @Test
    void withoutForwardedForTheClientIsThePeer() {
        assertEquals("10.0.0.5", addresses.clientAddress(ClientRequestView.of("10.0.0.5", Map.of())));
        assertEquals("198.51.100.1", addresses.clientAddress(ClientRequestView.of("198.51.100.1", Map.of())));
    }

    @Test
    void spoofedForwardedForFromUntrustedPeerIsIgnored() {
        assertEquals("198.51.100.1", addresses.clientAddress(request("198.51.100.1", "10.0.0.1")));
        assertEquals("198.51.100.1", addresses.clientAddress(request("198.51.100.1", "203.0.113.9, 10.0.0.1")));
    }

    @Test
    void trustedPeerNamesTheClient() {
        assertEquals("203.0.113.9", addresses.clientAddress(request("10.0.0.2", "203.0.113.9")));
    }

    @Test
    void whatTheClientWroteLeftOfTheTrustedHopIsIgnored() {
        // The client sent "X-Forwarded-For: 10.9.9.9"; the ALB appended the address it really came from.
        assertEquals("203.0.113.9", addresses.clientAddress(request("10.0.0.2", "10.9.9.9, 203.0.113.9")));
        assertEquals("203.0.113.9", addresses.clientAddress(request("10.0.0.2", "192.0.2.1, 203.0.113.9")));
    }

    @Test
    void chainThroughSeveralTrustedProxiesEndsAtFirstUntrustedHop() {
        assertEquals("203.0.113.9",
                addresses.clientAddress(request("10.0.0.2", "192.0.2.1, 203.0.113.9, 10.0.0.7, fd00::3")));
    }

    @Test
    void allTrustedChainGivesLeftmostHop() {
        assertEquals("10.1.1.1", addresses.clientAddress(request("10.0.0.2", "10.1.1.1, 10.2.2.2")));
    }

    @Test
    void severalHeadersFormOneListInOrder() {
        assertEquals("203.0.113.9", addresses.clientAddress(request("10.0.0.2", "192.0.2.1, 203.0.113.9", "10.0.0.7")));
        assertEquals("192.0.2.1", addresses.clientAddress(request("10.0.0.2", "192.0.2.1", "10.0.0.7, 10.0.0.8")));
    }

    @Test
    void garbageStopsTheWalkAtTheHopThatPassedItOn() {
        assertEquals("10.0.0.7", addresses.clientAddress(request("10.0.0.2", "203.0.113.9, garbage, 10.0.0.7")));
        assertEquals("10.0.0.2", addresses.clientAddress(request("10.0.0.2", "203.0.113.9, 1.2.3.4:80")));
        assertEquals("10.0.0.2", addresses.clientAddress(request("10.0.0.2", "203.0.113.9,")));
        assertEquals("10.0.0.2", addresses.clientAddress(request("10.0.0.2", "")));
        assertEquals("10.0.0.2", addresses.clientAddress(request("10.0.0.2", "localhost")));
    }

    @Test
    void ipv6AndMappedPeersAreTrustedByTheirRanges() {
        assertEquals("2001:db8::9", addresses.clientAddress(request("fd00::1", "2001:db8::9")));
        assertEquals("203.0.113.9", addresses.clientAddress(request("::ffff:10.0.0.2", "203.0.113.9")));
        assertEquals("::ffff:203.0.113.1", addresses.clientAddress(request("::ffff:203.0.113.1", "10.0.0.9")));
    }

    @Test
    void noTrustedProxiesMeansForwardedForIsNeverRead() {
        ClientAddresses trustingNone = new ClientAddresses(List.of());
        assertEquals("10.0.0.2", trustingNone.clientAddress(request("10.0.0.2", "203.0.113.9")));
    }

    @Test
    void walkLooksAtNoMoreThanMaxHops() {
        String trustedChain = IntStream.range(0, ClientAddresses.MAX_HOPS + 5)
                .mapToObj(i -> "10.0.0." + i).collect(Collectors.joining(", "));
        assertEquals("10.0.0.5", addresses.clientAddress(request("10.0.0.250", trustedChain)));
    }
}
