package net.invertingproxy.tunnel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketClose;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketMessage;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketOpen;
import org.eclipse.jetty.websocket.api.annotations.WebSocket;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A real WebSocket backend on loopback (Jetty's WebSocket server): {@code /echo} sends every
 * message back, and on the text {@code close <code> <reason>} closes with that code, on
 * {@code drop} goes away without a close frame; {@code /refuse} answers every handshake 403.
 * It records the handshake headers it saw and the close codes it received.
 */
public final class WebSocketBackend implements AutoCloseable {
    /** A close as the backend's side saw it. */
    public record Close(int code, String reason) {
    }

    /** The body of the refusal on {@code /refuse}. */
    public static final String REFUSAL = "no WebSockets for you\n";

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final BlockingQueue<Map<String, List<String>>> handshakes = new LinkedBlockingQueue<>();
    private final BlockingQueue<Close> closes = new LinkedBlockingQueue<>();
    private final AtomicInteger open = new AtomicInteger();

    public WebSocketBackend() throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler upgrades = WebSocketUpgradeHandler.from(server, context, container -> {
            container.setMaxTextMessageSize(32 * 1024 * 1024);
            container.setMaxBinaryMessageSize(32 * 1024 * 1024);
            container.setIdleTimeout(Duration.ofMinutes(2));
            container.addMapping("/echo", (request, response, callback) -> {
                Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (org.eclipse.jetty.http.HttpField field : request.getHeaders()) {
                    headers.computeIfAbsent(field.getName(), name -> new java.util.ArrayList<>()).add(field.getValue());
                }
                handshakes.add(headers);
                if (request.getSubProtocols().contains("chat")) {
                    response.setAcceptedSubProtocol("chat");
                }
                return new Echo();
            });
        });
        upgrades.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                boolean refuse = request.getHttpURI().getPath().equals("/refuse");
                response.setStatus(refuse ? 403 : 404);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                response.write(true, ByteBuffer.wrap((refuse ? REFUSAL : "not here\n").getBytes(StandardCharsets.UTF_8)),
                        callback);
                return true;
            }
        });
        context.setHandler(upgrades);
        server.setHandler(context);
        server.start();
    }

    public String hostAndPort() {
        return "127.0.0.1:" + connector.getLocalPort();
    }

    /** The headers of the next handshake the backend accepted. */
    public Map<String, List<String>> nextHandshake() throws InterruptedException {
        Map<String, List<String>> headers = handshakes.poll(10, TimeUnit.SECONDS);
        if (headers == null) {
            throw new AssertionError("no handshake reached the backend within 10 s");
        }
        return headers;
    }

    /** The next close the backend saw, or an error after 10 s. */
    public Close nextClose() throws InterruptedException {
        Close close = closes.poll(10, TimeUnit.SECONDS);
        if (close == null) {
            throw new AssertionError("the backend saw no close within 10 s");
        }
        return close;
    }

    /** Forgets the closes seen so far, so that a test sees only those of its own sockets. */
    public void forgetCloses() {
        closes.clear();
    }

    /** How many sockets are open at the backend now. */
    public int openSockets() {
        return open.get();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** One echoing socket. */
    @WebSocket
    public final class Echo {
        @OnWebSocketOpen
        public void opened(Session session) {
            open.incrementAndGet();
        }

        @OnWebSocketMessage
        public void text(Session session, String message) {
            if (message.startsWith("close ")) {
                String[] parts = message.split(" ", 3);
                session.close(Integer.parseInt(parts[1]), parts[2], org.eclipse.jetty.websocket.api.Callback.NOOP);
            } else if (message.equals("drop")) {
                session.disconnect();
            } else {
                session.sendText(message, org.eclipse.jetty.websocket.api.Callback.NOOP);
            }
        }

        @OnWebSocketMessage
        public void binary(Session session, ByteBuffer message, org.eclipse.jetty.websocket.api.Callback callback) {
            ByteBuffer copy = ByteBuffer.allocate(message.remaining()).put(message).flip();
            callback.succeed();
            session.sendBinary(copy, org.eclipse.jetty.websocket.api.Callback.NOOP);
        }

        @OnWebSocketClose
        public void closed(int code, String reason) {
            open.decrementAndGet();
            closes.add(new Close(code, reason));
        }
    }
}
