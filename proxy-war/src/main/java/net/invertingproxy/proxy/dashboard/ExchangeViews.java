package net.invertingproxy.proxy.dashboard;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import net.invertingproxy.proxy.inspect.InspectedExchange;
import net.invertingproxy.proxy.inspect.InspectedHeader;

/** The inspector's exchanges as the dashboard's JSON shows them: a line each in the list, everything in the detail. */
public final class ExchangeViews {
    private ExchangeViews() {
    }

    /** One exchange in the list. */
    public record Line(long sequence, long replayOf, Instant startedAt, String method, String target, int status,
                       String outcome, long totalMillis) {
    }

    /**
     * A body as kept: {@code text} if its bytes are UTF-8, else {@code base64}; {@code bytes} is
     * the length of the whole body, of which {@code kept} were kept.
     */
    public record Body(String text, String base64, long bytes, int kept) {
    }

    /** One exchange with its heads and bodies. */
    public record Detail(long sequence, String backendId, long replayOf, Instant startedAt, String method,
                         String target, List<InspectedHeader> requestHeaders, Body requestBody, int status,
                         List<InspectedHeader> responseHeaders, Body responseBody, String outcome, String reason,
                         long waitedMillis, long totalMillis, String agentAddress, boolean replayable) {
    }

    /** The list line of {@code exchange}. */
    public static Line line(InspectedExchange exchange) {
        return new Line(exchange.sequence(), exchange.replayOf(), exchange.startedAt(), exchange.method(),
                exchange.target(), exchange.status(), exchange.outcome(), exchange.totalMillis());
    }

    /** Everything kept of {@code exchange}. */
    public static Detail detail(InspectedExchange exchange) {
        return new Detail(exchange.sequence(), exchange.backendId(), exchange.replayOf(), exchange.startedAt(),
                exchange.method(), exchange.target(), exchange.requestHeaders(),
                body(exchange.requestBody(), exchange.requestBytes()), exchange.status(), exchange.responseHeaders(),
                body(exchange.responseBody(), exchange.responseBytes()), exchange.outcome(), exchange.reason(),
                exchange.waitedMillis(), exchange.totalMillis(), exchange.agentAddress(), exchange.replayable());
    }

    private static Body body(byte[] kept, long total) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(kept)).toString();
            return new Body(text, null, total, kept.length);
        } catch (CharacterCodingException e) {
            // A prefix may also end inside a UTF-8 sequence; base64 shows it as it is.
            return new Body(null, Base64.getEncoder().encodeToString(kept), total, kept.length);
        }
    }
}
