package net.invertingproxy.agent.testing;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import net.invertingproxy.protocol.MalformedMessageException;
import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.protocol.RequestHead;

import org.apache.hc.core5.http.Header;

/**
 * A backend on a raw server socket on 127.0.0.1, so tests see the exact bytes of each request head
 * and choose the exact bytes of each answer (including broken ones).
 */
public final class RawBackend implements AutoCloseable {
    /** A request as the backend received it: the raw head text, the parsed head, the whole body and its trailers. */
    public record Received(String rawHead, RequestHead head, byte[] body, List<Header> trailers) {
        public String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        /** The request line, e.g. {@code GET / HTTP/1.1}. */
        public String requestLine() {
            return rawHead.substring(0, rawHead.indexOf("\r\n"));
        }
    }

    /** Answers one request on its connection; throwing closes the connection. */
    @FunctionalInterface
    public interface Handler {
        void respond(Received request, Socket connection) throws Exception;
    }

    private final ServerSocket server;
    private final Handler handler;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    public RawBackend(Handler handler) throws IOException {
        this(handler, 50);
    }

    /** A backend whose listen queue holds {@code backlog} connections not yet accepted, for bursts of them. */
    public RawBackend(Handler handler, int backlog) throws IOException {
        this.server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
        this.handler = handler;
        Thread acceptor = new Thread(this::accept, "raw-backend-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A handler that writes {@code response} as is. */
    public static Handler answering(String response) {
        return (request, connection) -> {
            connection.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
            connection.getOutputStream().flush();
        };
    }

    /** {@code host:port} for {@code -host}. */
    public String hostAndPort() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Waits for the next request the backend received. */
    public Received awaitRequest(Duration timeout) throws InterruptedException {
        Received request = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (request == null) {
            throw new AssertionError("the backend received no request within " + timeout);
        }
        return request;
    }

    /** The next request if one arrives within {@code timeout}, else {@code null}. */
    public Received pollRequest(Duration timeout) throws InterruptedException {
        return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket connection = server.accept();
                connections.add(connection);
                Thread thread = new Thread(() -> serve(connection), "raw-backend-connection");
                thread.setDaemon(true);
                thread.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket connection) {
        try (connection) {
            RecordingInputStream in = new RecordingInputStream(connection.getInputStream());
            while (true) {
                in.restart();
                MessageReader.IncomingRequest request;
                try {
                    request = new MessageReader(64 * 1024, 1000).readRequest(in);
                } catch (MalformedMessageException e) {
                    return;
                }
                byte[] body = request.body().readAllBytes();
                Received receivedRequest = new Received(in.head(), request.head(), body, request.body().trailers());
                received.add(receivedRequest);
                handler.respond(receivedRequest, connection);
            }
        } catch (Exception e) {
            // The agent went away or the handler chose to break the connection.
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket connection : connections) {
            connection.close();
        }
    }

    /** Keeps the bytes read since the last restart, to recover the exact head. */
    private static final class RecordingInputStream extends FilterInputStream {
        private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();

        RecordingInputStream(InputStream in) {
            super(in);
        }

        void restart() {
            recorded.reset();
        }

        String head() {
            String text = recorded.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            return end < 0 ? text : text.substring(0, end + 4);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                recorded.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int read = super.read(buffer, offset, length);
            if (read > 0) {
                recorded.write(buffer, offset, read);
            }
            return read;
        }
    }
}
