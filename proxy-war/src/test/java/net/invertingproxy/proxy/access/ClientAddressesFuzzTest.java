package net.invertingproxy.proxy.access;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link ClientAddresses#clientAddress} through a {@link ClientRequestView} with arbitrary
 * {@code X-Forwarded-For} headers behind a trusted proxy. Its contract: it never throws, and the
 * address it names is the peer's or one written in {@code X-Forwarded-For}, never made up; behind
 * an untrusted peer it is always the peer's.
 */
class ClientAddressesFuzzTest {
    private static final ClientAddresses BEHIND_PROXIES = new ClientAddresses(
            List.of(AddressRange.parse("10.0.0.0/8"), AddressRange.parse("2001:db8::/32")));

    @FuzzTest
    void clientAddress(FuzzedDataProvider data) {
        String peer = data.pickValue(new String[] {"10.1.2.3", "2001:db8::7", "203.0.113.9", "::ffff:10.0.0.1"});
        int count = data.consumeInt(0, 4);
        List<String> forwardedFor = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            forwardedFor.add(data.consumeString(300));
        }
        ClientRequestView request = ClientRequestView.of(peer, Map.of("x-forwarded-for", forwardedFor));

        String client = BEHIND_PROXIES.clientAddress(request);

        String written = String.join(",", forwardedFor);
        assertTrue(client.equals(peer) || written.contains(client), () -> "made-up client " + client);
        if (peer.equals("203.0.113.9")) {
            assertTrue(client.equals(peer), "an untrusted peer's X-Forwarded-For is ignored");
        }
    }
}
