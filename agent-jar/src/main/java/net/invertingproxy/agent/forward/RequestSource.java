package net.invertingproxy.agent.forward;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import net.invertingproxy.agent.http.Responses;
import net.invertingproxy.agent.proxy.ProxyClient;
import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MalformedMessageException;
import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.protocol.PendingRequest;
import net.invertingproxy.protocol.WireHeaders;

import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.Header;

/**
 * Where an exchange's request message comes from: read from the proxy with {@code GET
 * agent/request}, or carried whole in the poll answer (the inline poll mode), which saves that call.
 * Used by the exchange's request side only, one step after the other, except {@link #abandoned},
 * which a WebSocket tunnel may also call from its other thread to break off a read in progress.
 */
sealed interface RequestSource permits RequestSource.Fetched, RequestSource.Inline {
    /** The source of one entry of a poll answer. */
    static RequestSource of(PendingRequest request, ProxyClient proxy) {
        return request.isInline() ? new Inline(request) : new Fetched(request.id(), proxy);
    }

    /** How the message came, for logs. */
    String name();

    /**
     * The stream holding the request message. A failed proxy call throws, a status other than 200
     * as a {@link net.invertingproxy.agent.proxy.ProxyStatusException}; nothing is left to release then.
     */
    InputStream open() throws IOException;

    /** The end user the proxy vouches for, or null; known once {@link #open} returned. */
    String userId();

    /**
     * Whether the proxy sent the message as a WebSocket handshake whose client connection follows its
     * head (protocol section 4); known once {@link #open} returned.
     */
    boolean tunnelled();

    /** Refuses a parsed message that this source cannot have carried whole. */
    void check(MessageReader.IncomingRequest message) throws MalformedMessageException;

    /** The message was read to its end: what carried it may be reused. */
    void finished();

    /** Reading the message was given up midway: what carried it is dropped, never reused. */
    void abandoned();

    /** A message read with {@code GET agent/request}: the answer's body is the message, streamed as it arrives. */
    final class Fetched implements RequestSource {
        private final String requestId;
        private final ProxyClient proxy;
        // Volatile: a tunnel abandons it from its other thread.
        private volatile CloseableHttpResponse answer;

        Fetched(String requestId, ProxyClient proxy) {
            this.requestId = requestId;
            this.proxy = proxy;
        }

        @Override
        public String name() {
            return "GET agent/request";
        }

        @Override
        public InputStream open() throws IOException {
            answer = proxy.readRequest(requestId);
            try {
                return answer.getEntity().getContent();
            } catch (IOException | RuntimeException e) {
                abandoned();
                throw e;
            }
        }

        @Override
        public String userId() {
            Header userId = answer.getFirstHeader(WireHeaders.USER_ID);
            return userId == null ? null : userId.getValue();
        }

        @Override
        public boolean tunnelled() {
            Header upgrade = answer.getFirstHeader(WireHeaders.UPGRADE);
            return upgrade != null && upgrade.getValue() != null
                    && WireHeaders.WEBSOCKET.equalsIgnoreCase(upgrade.getValue().trim());
        }

        @Override
        public void check(MessageReader.IncomingRequest message) {
            // Any framing is fine: the body follows the head in the same answer.
        }

        @Override
        public void finished() {
            Responses.close(answer);
        }

        @Override
        public void abandoned() {
            if (answer != null) {
                Responses.abort(answer);
            }
        }
    }

    /** A message carried in the poll answer, with the user ID the proxy vouches for beside it. */
    record Inline(PendingRequest request) implements RequestSource {
        @Override
        public String name() {
            return "inline request";
        }

        @Override
        public InputStream open() {
            return new ByteArrayInputStream(request.messageBytes());
        }

        @Override
        public String userId() {
            return request.userId();
        }

        /** Never: a handshake needs the request read that carries the client's bytes. */
        @Override
        public boolean tunnelled() {
            return false;
        }

        /**
         * The proxy inlines only requests without a body, so an inline message never carries body
         * bytes: one that declares a body anyway (even {@code Content-Length: 0}) is broken, and is
         * answered like any malformed message rather than forwarded with a body that is not there.
         */
        @Override
        public void check(MessageReader.IncomingRequest message) throws MalformedMessageException {
            if (message.body().framing().kind() != BodyFraming.Kind.NONE) {
                throw new MalformedMessageException("inline request message declares a body"
                        + " (Content-Length or Transfer-Encoding); the proxy inlines only requests without one");
            }
        }

        @Override
        public void finished() {
            // Nothing to release: the message is in memory.
        }

        @Override
        public void abandoned() {
            // Nothing to release: the message is in memory.
        }
    }
}
