package net.invertingproxy.proxy.servlet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MessageWriter;
import net.invertingproxy.protocol.PendingRequest;
import net.invertingproxy.protocol.PendingRequests;
import net.invertingproxy.protocol.RequestIds;
import net.invertingproxy.protocol.WireHeaders;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.broker.Exchange;

/**
 * Builds the poll answer of an agent that asked for requests inline (see docs/protocol.md): a
 * bodiless GET, HEAD or OPTIONS request travels whole in the answer, anything else as an ID the
 * agent reads with {@code GET agent/request}.
 */
final class InlineRequests {
    // Safe methods only (RFC 9110 section 9.2.1): an inline request not confirmed in time is handed
    // out again, and a request that may change something must never reach a backend twice.
    private static final Set<String> INLINE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    // Bytes of JSON, counted as an upper bound (see jsonBytesAtMost), well under the 1 MiB an agent
    // reads: the rest of a batch goes as IDs.
    static final int MAX_INLINE_BYTES = 256 * 1024;
    // The agent names the ones it took on in a header of its next poll, which must stay small.
    static final int MAX_INLINE_PER_ANSWER = 100;
    private static final int ENTRY_OVERHEAD_BYTES = 64;

    private final Broker<ParkedClient> broker;
    private final String backendId;
    private final String agentKey;

    InlineRequests(Broker<ParkedClient> broker, String backendId, String agentKey) {
        this.broker = broker;
        this.backendId = backendId;
        this.agentKey = agentKey;
    }

    /** The JSON answer for these IDs, with as many requests inline as fit. */
    String answer(List<String> requestIds) {
        List<PendingRequest> entries = new ArrayList<>(requestIds.size());
        int budget = MAX_INLINE_BYTES;
        int inlined = 0;
        for (String id : requestIds) {
            PendingRequest entry = inlined < MAX_INLINE_PER_ANSWER ? inlineEntry(id, budget) : null;
            if (entry != null) {
                inlined++;
                budget -= jsonBytesAtMost(entry);
                entries.add(entry);
            } else {
                entries.add(PendingRequest.toRead(id));
            }
        }
        return new PendingRequests(entries).toJson();
    }

    // An upper bound of the entry's size in the JSON answer: Gson writes a control character or one
    // of <>&=' as a six-byte escape, quote and backslash as two, and a character above ASCII as at
    // most two UTF-8 bytes; the ID, user and field names stay within the fixed allowance.
    static int jsonBytesAtMost(PendingRequest entry) {
        int bytes = ENTRY_OVERHEAD_BYTES + entry.id().length() * 6
                + (entry.userId() == null ? 0 : entry.userId().length() * 6);
        String message = entry.message();
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '=' || c == '\'' || c >= 0x7f) {
                bytes += 6;
            } else if (c == '"' || c == '\\') {
                bytes += 2;
            } else {
                bytes += 1;
            }
        }
        return bytes;
    }

    /** The inline requests an agent says, on this poll, it took on from its last answer. */
    static Set<String> taken(HttpServletRequest poll) {
        String ack = poll.getHeader(WireHeaders.INLINE_ACK);
        if (ack == null || ack.isBlank()) {
            return Set.of();
        }
        Set<String> ids = new HashSet<>();
        for (String id : ack.trim().split(" +", MAX_INLINE_PER_ANSWER + 1)) {
            if (ids.size() < MAX_INLINE_PER_ANSWER && RequestIds.isWellFormed(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    // Null, for an ID, unless the request may travel inline and fits what is left of the budget
    // (however large the heads the container accepts, an answer stays within what an agent reads).
    private PendingRequest inlineEntry(String id, int budget) {
        Exchange<ParkedClient> exchange = broker.inlineCandidate(backendId, id);
        if (exchange == null || exchange.client().hasEnded()) {
            return null;
        }
        PendingRequest entry = entryFor(id, exchange.client());
        if (entry != null && jsonBytesAtMost(entry) > budget) {
            return null;
        }
        if (entry != null) {
            broker.inlined(exchange, agentKey);
            exchange.client().sentInline();
        }
        return entry;
    }

    private static PendingRequest entryFor(String id, ParkedClient client) {
        try {
            HttpServletRequest request = client.request();
            // A WebSocket handshake needs the request read, whose answer goes on with the client's bytes.
            if (!INLINE_METHODS.contains(request.getMethod()) || client.tunnel() != null
                    || ClientRequestHead.framingOf(request).kind() != BodyFraming.Kind.NONE) {
                return null;
            }
            ByteArrayOutputStream message = new ByteArrayOutputStream(512);
            MessageWriter.writeRequest(client.head(), BodyFraming.none(),
                    List::of, message).close();
            return new PendingRequest(id, message.toString(StandardCharsets.ISO_8859_1), client.routed().userId());
        } catch (IOException | RuntimeException e) {
            // The client's request ended meanwhile (the container recycled it): let the agent read
            // it the usual way, which answers 404 for a request that is gone.
            return null;
        }
    }
}
