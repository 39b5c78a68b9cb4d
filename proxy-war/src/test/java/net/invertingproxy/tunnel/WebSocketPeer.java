package net.invertingproxy.tunnel;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client (the JDK's) that queues every whole message it receives and how its socket
 * ended, for tests to take one at a time.
 */
public final class WebSocketPeer implements WebSocket.Listener {
    /** How the socket ended, as the client saw it: a close frame's code and reason, or an error. */
    public record Ending(int code, String reason, Throwable error) {
        /** No close frame arrived: the connection broke (RFC 6455 section 7.1.5: code 1006). */
        public boolean abnormal() {
            return error != null || code == 1006;
        }
    }

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Ending> ending = new CompletableFuture<>();
    private StringBuilder text = new StringBuilder();
    private ByteArrayOutputStream binary = new ByteArrayOutputStream();
    private WebSocket socket;

    private WebSocketPeer() {
    }

    /** Opens a socket to the URI (ws://...), offering the given subprotocols. */
    public static WebSocketPeer open(URI uri, String... subprotocols) throws Exception {
        WebSocketPeer peer = new WebSocketPeer();
        WebSocket.Builder builder = CLIENT.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (subprotocols.length > 0) {
            builder.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        peer.socket = builder.buildAsync(uri, peer).get(20, TimeUnit.SECONDS);
        return peer;
    }

    public WebSocket socket() {
        return socket;
    }

    /** Sends a text message and waits until it was handed to the connection. */
    public WebSocketPeer sendText(String message) throws Exception {
        socket.sendText(message, true).get(20, TimeUnit.SECONDS);
        return this;
    }

    /** Sends a binary message and waits until it was handed to the connection. */
    public WebSocketPeer sendBinary(byte[] message) throws Exception {
        socket.sendBinary(ByteBuffer.wrap(message), true).get(60, TimeUnit.SECONDS);
        return this;
    }

    /** The next whole message: a String or a byte[]; an error after the timeout. */
    public Object nextMessage(Duration timeout) throws InterruptedException {
        Object message = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (message == null) {
            throw new AssertionError("no message within " + timeout);
        }
        return message;
    }

    /** How the socket ended; an error if it is still open after the timeout. */
    public Ending ending(Duration timeout) throws Exception {
        return ending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            messages.add(text.toString());
            text = new StringBuilder();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        binary.writeBytes(bytes);
        if (last) {
            messages.add(binary.toByteArray());
            binary = new ByteArrayOutputStream();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        ending.complete(new Ending(statusCode, reason, null));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        ending.complete(new Ending(-1, "", error));
    }
}
