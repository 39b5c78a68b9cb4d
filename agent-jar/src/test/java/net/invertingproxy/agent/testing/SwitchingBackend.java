package net.invertingproxy.agent.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A raw backend that answers a WebSocket handshake with a given {@code 101}, then records the bytes
 * that follow (one character per byte, ISO-8859-1) and sends what the test tells it to.
 */
public final class SwitchingBackend {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Object CLOSE = new Object();
    private static final Object RESET = new Object();
    /** What the backend received after the handshake so far, one character per byte. */
    public final StringBuffer received = new StringBuffer();
    /** Counted down when the agent ends its side cleanly. */
    public final CountDownLatch clientEnded = new CountDownLatch(1);
    /** Counted down when the connection breaks under the backend. */
    public final CountDownLatch connectionBroke = new CountDownLatch(1);
    /** The server socket; close it to stop the backend. */
    public final RawBackend server;
    private final BlockingQueue<Object> toClient = new LinkedBlockingQueue<>();
    private final String switching;

    /** A backend answering every handshake with {@code switching}, a whole {@code 101} head. */
    public SwitchingBackend(String switching) throws IOException {
        this.switching = switching;
        server = new RawBackend(this::serve);
    }

    /** Sends {@code text} (one byte per character) towards the client. */
    public void send(String text) {
        toClient.add(text);
    }

    /** Closes the connection cleanly, as after a WebSocket close handshake. */
    public void close() {
        toClient.add(CLOSE);
    }

    /** Resets the connection, as a backend that crashed. */
    public void reset() {
        toClient.add(RESET);
    }

    /** Waits until what the backend received contains {@code text}. */
    public void awaitReceived(String text) throws InterruptedException {
        Wait.until(() -> received.toString().contains(text), WAIT, "the backend received \"" + text + "\"");
    }

    /** What the backend received so far, as bytes. */
    public byte[] receivedBytes() {
        return received.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private void serve(RawBackend.Received request, Socket connection) throws Exception {
        OutputStream out = connection.getOutputStream();
        out.write(switching.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        Thread reader = new Thread(() -> record(connection), "switching-backend-reader");
        reader.setDaemon(true);
        reader.start();
        while (true) {
            Object next = toClient.take();
            if (next == CLOSE) {
                connection.close();
                return;
            } else if (next == RESET) {
                connection.setSoLinger(true, 0);
                connection.close();
                return;
            }
            out.write(((String) next).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
    }

    private void record(Socket connection) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = connection.getInputStream();
            int read;
            while ((read = in.read(buffer)) != -1) {
                received.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
            }
            clientEnded.countDown();
        } catch (IOException e) {
            if (!connection.isClosed()) {
                connectionBroke.countDown();
            }
        }
    }
}
