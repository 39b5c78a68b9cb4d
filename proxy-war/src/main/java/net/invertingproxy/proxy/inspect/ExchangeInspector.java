package net.invertingproxy.proxy.inspect;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.proxy.config.InspectorSettings;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.Inspection;

/**
 * Keeps the last exchanges of each backend for the dashboard, in bounded memory: at most
 * {@code inspector-exchanges} per backend, and {@code inspector-max-bytes} for all kept exchanges
 * and for the body prefixes of those still running, each (the oldest kept go first; a running
 * exchange that finds no room keeps its heads only).
 */
public final class ExchangeInspector {
    private final InspectorSettings settings;
    private final HeaderRedaction redaction;
    // The rules with each backend's API key header added, made once per header name rather than per
    // request; as many as there are names in the registry's backends.
    private final Map<String, HeaderRedaction> redactionWith = new ConcurrentHashMap<>();
    private final Clock clock;
    private final AtomicLong sequence = new AtomicLong();
    // Body prefixes of running exchanges, reserved whole when they start.
    private final AtomicLong reservedBytes = new AtomicLong();
    // Guarded by this: every kept exchange, oldest first, and the same by backend.
    private final Deque<InspectedExchange> kept = new ArrayDeque<>();
    private final Map<String, Deque<InspectedExchange>> byBackend = new HashMap<>();
    private long keptBytes;

    /** An inspector bounded by {@code settings}. */
    public ExchangeInspector(InspectorSettings settings, Clock clock) {
        this.settings = settings;
        this.redaction = new HeaderRedaction(settings.redactedHeaders());
        this.clock = clock;
    }

    /** The capture of a new exchange of {@code backend}, or {@link ExchangeCapture#NONE} if it is not inspected. */
    public ExchangeCapture capture(Backend backend, RequestHead request) {
        return capture(backend, request, 0);
    }

    /** As {@link #capture(Backend, RequestHead)}, for a replay of the exchange numbered {@code replayOf}. */
    public ExchangeCapture capture(Backend backend, RequestHead request, long replayOf) {
        Inspection inspection = backend.inspector();
        if (!inspection.enabled()) {
            return ExchangeCapture.NONE;
        }
        long bodyBytes = 2L * inspection.bodyBytes();
        int bodyLimit = inspection.bodyBytes();
        if (bodyBytes > 0 && reservedBytes.addAndGet(bodyBytes) > settings.maxBytes()) {
            reservedBytes.addAndGet(-bodyBytes);
            bodyBytes = 0;
            bodyLimit = 0;
        }
        String apiKeyHeader = backend.access().apiKeyHeader();
        HeaderRedaction rules = apiKeyHeader == null ? redaction
                : redactionWith.computeIfAbsent(apiKeyHeader.toLowerCase(Locale.ROOT), redaction::with);
        return new ExchangeCapture(this, backend.id(), replayOf, clock.instant(), request, rules, bodyLimit, bodyBytes);
    }

    long nextSequence() {
        return sequence.incrementAndGet();
    }

    synchronized void keep(InspectedExchange exchange, long reserved) {
        reservedBytes.addAndGet(-reserved);
        Deque<InspectedExchange> ofBackend = byBackend.computeIfAbsent(exchange.backendId(), id -> new ArrayDeque<>());
        ofBackend.addLast(exchange);
        kept.addLast(exchange);
        keptBytes += exchange.sizeInBytes();
        if (ofBackend.size() > settings.exchangesPerBackend()) {
            InspectedExchange oldest = ofBackend.removeFirst();
            removeSame(kept, oldest);
            keptBytes -= oldest.sizeInBytes();
        }
        while (keptBytes > settings.maxBytes() && !kept.isEmpty()) {
            InspectedExchange oldest = kept.removeFirst();
            Deque<InspectedExchange> itsBackend = byBackend.get(oldest.backendId());
            removeSame(itsBackend, oldest);
            if (itsBackend.isEmpty()) {
                byBackend.remove(oldest.backendId());
            }
            keptBytes -= oldest.sizeInBytes();
        }
    }

    // By identity: a record's equals would compare every header of every exchange on the way. The
    // one sought is its backend's oldest, so it is found among the first of those kept.
    private static void removeSame(Deque<InspectedExchange> exchanges, InspectedExchange sought) {
        for (Iterator<InspectedExchange> it = exchanges.iterator(); it.hasNext(); ) {
            if (it.next() == sought) {
                it.remove();
                return;
            }
        }
    }

    /** The kept exchanges of the backend, newest first. */
    public synchronized List<InspectedExchange> recent(String backendId) {
        Deque<InspectedExchange> ofBackend = byBackend.get(backendId);
        if (ofBackend == null) {
            return List.of();
        }
        List<InspectedExchange> newestFirst = new ArrayList<>(ofBackend.size());
        ofBackend.descendingIterator().forEachRemaining(newestFirst::add);
        return newestFirst;
    }

    /** The kept exchange of the backend with this number, if still kept. */
    public synchronized Optional<InspectedExchange> find(String backendId, long sequenceNumber) {
        Deque<InspectedExchange> ofBackend = byBackend.get(backendId);
        return ofBackend == null ? Optional.empty()
                : ofBackend.stream().filter(e -> e.sequence() == sequenceNumber).findFirst();
    }

    /** Forgets a deleted backend's exchanges. */
    public synchronized void forget(String backendId) {
        Deque<InspectedExchange> ofBackend = byBackend.remove(backendId);
        if (ofBackend != null) {
            for (InspectedExchange exchange : ofBackend) {
                removeSame(kept, exchange);
                keptBytes -= exchange.sizeInBytes();
            }
        }
    }

    /** The memory the kept exchanges take, for tests and the dashboard. */
    public synchronized long keptBytes() {
        return keptBytes;
    }
}
