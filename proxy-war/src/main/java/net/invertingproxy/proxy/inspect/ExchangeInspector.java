package net.invertingproxy.proxy.inspect;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import net.invertingproxy.protocol.RequestHead;
import net.invertingproxy.proxy.config.InspectorSettings;
import net.invertingproxy.proxy.registry.Backend;
import net.invertingproxy.proxy.registry.Inspection;

/**
 * Keeps the last exchanges of each backend for the dashboard, in bounded memory: at most
 * {@code inspector-exchanges} per backend, and {@code inspector-max-bytes} for the kept exchanges
 * and the body prefixes reserved by those still running, together (the oldest kept go first; a
 * running exchange that finds no room keeps its heads only).
 */
public final class ExchangeInspector {
    private final InspectorSettings settings;
    private final HeaderRedaction redaction;
    // The rules with each backend's API key header added, made once per header name rather than per
    // request; as many as there are names in the registry's backends.
    private final Map<String, HeaderRedaction> redactionWith = new ConcurrentHashMap<>();
    private final Predicate<String> registered;
    private final Clock clock;
    private final AtomicLong sequence = new AtomicLong();
    // Body prefixes of running exchanges, reserved whole when they start.
    private final AtomicLong reservedBytes = new AtomicLong();
    // Guarded by this: every kept exchange by sequence, oldest first, and the same by backend.
    private final LinkedHashMap<Long, InspectedExchange> kept = new LinkedHashMap<>();
    private final Map<String, Deque<InspectedExchange>> byBackend = new HashMap<>();
    private volatile long keptBytes;

    /** An inspector bounded by {@code settings}, keeping only exchanges of backends {@code registered} still holds. */
    public ExchangeInspector(InspectorSettings settings, Predicate<String> registered, Clock clock) {
        this.settings = settings;
        this.redaction = new HeaderRedaction(settings.redactedHeaders());
        this.registered = registered;
        this.clock = clock;
    }

    /**
     * The capture of a new exchange of {@code backend} sending {@code request}, which announces a
     * body if {@code bodyExpected}; {@link ExchangeCapture#NONE} if the backend is not inspected.
     */
    public ExchangeCapture capture(Backend backend, RequestHead request, boolean bodyExpected) {
        return capture(backend, request, bodyExpected, 0, backend.inspector().bodyBytes());
    }

    /** As {@link #capture}, for a WebSocket handshake: its connection's bytes are never kept, so nothing is reserved. */
    public ExchangeCapture captureHandshake(Backend backend, RequestHead request) {
        return capture(backend, request, false, 0, 0);
    }

    /** As {@link #capture}, for the dashboard's replay of the exchange numbered {@code replayOf}. */
    public ExchangeCapture captureReplay(Backend backend, RequestHead request, boolean bodyExpected, long replayOf) {
        return capture(backend, request, bodyExpected, replayOf, backend.inspector().bodyBytes());
    }

    private ExchangeCapture capture(Backend backend, RequestHead request, boolean bodyExpected, long replayOf,
                                    int bodyLimit) {
        Inspection inspection = backend.inspector();
        if (!inspection.enabled()) {
            return ExchangeCapture.NONE;
        }
        long reserved = 2L * bodyLimit;
        if (reserved > 0 && reservedBytes.addAndGet(reserved) + keptBytes > settings.maxBytes()) {
            reservedBytes.addAndGet(-reserved);
            reserved = 0;
            bodyLimit = 0;
        }
        String apiKeyHeader = backend.access().apiKeyHeader();
        HeaderRedaction rules = apiKeyHeader == null ? redaction
                : redactionWith.computeIfAbsent(apiKeyHeader.toLowerCase(Locale.ROOT), redaction::with);
        return new ExchangeCapture(this, backend.id(), replayOf, clock.instant(), request, bodyExpected, rules,
                bodyLimit, reserved);
    }

    long nextSequence() {
        return sequence.incrementAndGet();
    }

    synchronized void keep(InspectedExchange exchange, long reserved) {
        reservedBytes.addAndGet(-reserved);
        // An exchange that outlived its backend's deletion would bring the backend back.
        if (!registered.test(exchange.backendId())) {
            return;
        }
        Deque<InspectedExchange> ofBackend = byBackend.computeIfAbsent(exchange.backendId(), id -> new ArrayDeque<>());
        ofBackend.addLast(exchange);
        kept.put(exchange.sequence(), exchange);
        long bytes = keptBytes + exchange.sizeInBytes();
        if (ofBackend.size() > settings.exchangesPerBackend()) {
            InspectedExchange oldest = ofBackend.removeFirst();
            kept.remove(oldest.sequence());
            bytes -= oldest.sizeInBytes();
        }
        Iterator<InspectedExchange> oldestFirst = kept.values().iterator();
        while (bytes > settings.maxBytes() && oldestFirst.hasNext()) {
            InspectedExchange oldest = oldestFirst.next();
            oldestFirst.remove();
            // The oldest of all is the oldest of its backend.
            Deque<InspectedExchange> itsBackend = byBackend.get(oldest.backendId());
            itsBackend.removeFirst();
            if (itsBackend.isEmpty()) {
                byBackend.remove(oldest.backendId());
            }
            bytes -= oldest.sizeInBytes();
        }
        keptBytes = bytes;
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
        InspectedExchange exchange = kept.get(sequenceNumber);
        return exchange != null && exchange.backendId().equals(backendId) ? Optional.of(exchange) : Optional.empty();
    }

    /** Forgets a deleted backend's exchanges. */
    public synchronized void forget(String backendId) {
        Deque<InspectedExchange> ofBackend = byBackend.remove(backendId);
        if (ofBackend != null) {
            long bytes = keptBytes;
            for (InspectedExchange exchange : ofBackend) {
                kept.remove(exchange.sequence());
                bytes -= exchange.sizeInBytes();
            }
            keptBytes = bytes;
        }
    }

    /** The memory the kept exchanges take. */
    public long keptBytes() {
        return keptBytes;
    }
}
