package net.invertingproxy.agent.forward;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.SSLException;

import net.invertingproxy.agent.config.GoDuration;
import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MessageWriter;
import net.invertingproxy.protocol.ResponseHead;

import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.impl.EnglishReasonPhraseCatalog;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.util.DeadlineTimeoutException;

/**
 * The answer the agent gives in the backend's place when it cannot forward a request: the one
 * place where every failure becomes a status. Backend unreachable is 502, backend too slow is 504,
 * agent at capacity is 503, a request message the agent cannot parse is 400. The body is one line
 * saying why.
 */
public record GatewayFailure(int status, String reason) {
    /** The content type of the failure body. */
    public static final String CONTENT_TYPE = "text/plain; charset=utf-8";

    /** Keeps the reason on one line. */
    public GatewayFailure {
        reason = reason.replaceAll("[\\r\\n]+", " ").strip();
    }

    /** The backend answered, but posting its answer to the proxy broke before the proxy answered. */
    static GatewayFailure proxyPostFailed(String why) {
        return new GatewayFailure(502, "the agent could not pass the backend's answer on: " + why);
    }

    /** Maps a failure to reach the backend or to get its response head. */
    public static GatewayFailure of(Exception failure, String backend, Duration timeout) {
        String within = GoDuration.format(timeout);
        // The async pool reports a lease timeout as DeadlineTimeoutException, the classic one as the other.
        if (failure instanceof ConnectionRequestTimeoutException || failure instanceof DeadlineTimeoutException) {
            return new GatewayFailure(503, "agent had no free connection to backend " + backend + " within " + within);
        }
        if (failure instanceof ConnectTimeoutException) {
            return new GatewayFailure(504, "connecting to backend " + backend + " took longer than " + within);
        }
        if (failure instanceof InterruptedIOException) {
            return new GatewayFailure(504, "backend " + backend + " did not answer within " + within);
        }
        if (failure instanceof UnknownHostException) {
            return new GatewayFailure(502, "backend host of " + backend + " is unknown");
        }
        if (failure instanceof ConnectException) {
            return new GatewayFailure(502, "backend " + backend + " refused the connection");
        }
        // The async client's word, before any response head, for what the classic client calls NoHttpResponse.
        if (failure instanceof NoHttpResponseException || failure instanceof ConnectionClosedException) {
            return new GatewayFailure(502, "backend " + backend + " closed the connection without answering");
        }
        if (failure instanceof SSLException) {
            return new GatewayFailure(502, "TLS with backend " + backend + " failed: " + failure.getMessage());
        }
        if (failure instanceof ClientProtocolException || failure instanceof HttpException) {
            return new GatewayFailure(502, "backend " + backend + " could not be asked or answered invalidly: "
                    + messageOf(failure));
        }
        return new GatewayFailure(502, "forwarding to backend " + backend + " failed: " + messageOf(failure));
    }

    /** The agent already forwards {@code maxInFlight} requests. */
    public static GatewayFailure atCapacity(int maxInFlight) {
        return new GatewayFailure(503, "agent is at its limit of " + maxInFlight + " requests in flight");
    }

    /** The request message read from the proxy could not be parsed (or exceeds the agent's limits). */
    public static GatewayFailure malformedRequest(IOException failure) {
        return new GatewayFailure(400, "agent could not read the request: " + failure.getMessage());
    }

    /** The response message posted to the proxy: status line, text headers and the reason line. */
    public byte[] toMessage() {
        byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        String phrase = EnglishReasonPhraseCatalog.INSTANCE.getReason(status, Locale.ROOT);
        List<Header> headers = List.of(
                new BasicHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE),
                new BasicHeader(HttpHeaders.CACHE_CONTROL, "no-store"));
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        try {
            OutputStream out = MessageWriter.writeResponse(new ResponseHead(status, phrase, headers),
                    BodyFraming.ofLength(body.length), null, message);
            out.write(body);
            out.close();
        } catch (IOException e) {
            // Writing to memory cannot fail.
            throw new UncheckedIOException(e);
        }
        return message.toByteArray();
    }

    /** {@link #toMessage()} as the body of a response post. */
    public HttpEntity toMessageEntity() {
        return new ByteArrayEntity(toMessage(), null);
    }

    private static String messageOf(Exception failure) {
        Throwable cause = failure.getCause() != null && failure.getMessage() == null ? failure.getCause() : failure;
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
