package net.invertingproxy.tunnel;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An HTTP client on a raw socket: it sends exactly the bytes given and shows exactly the bytes
 * received, including how the connection ended (clean end of stream, reset, or nothing more
 * within the read timeout).
 */
public final class RawClient implements AutoCloseable {
    /** How a read to the end of the connection finished. */
    public enum Ending {
        /** The peer closed the connection (FIN). */
        EOF,
        /** The connection was reset (RST) or otherwise broken. */
        RESET,
        /** Nothing more arrived within the read timeout; the connection is still open. */
        TIMEOUT
    }

    /** Everything received up to the end of the connection, and how it ended. */
    public record Received(byte[] bytes, Ending ending) {
        public String text() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return ending + ": " + text().replace("\r", "\\r").replace("\n", "\\n");
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1 at the port; reads give up after 10 s unless told otherwise. */
    public static RawClient connect(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        return new RawClient(socket);
    }

    /** Sends the text as ISO-8859-1 bytes and flushes. */
    public RawClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public RawClient readTimeout(int millis) throws SocketException {
        socket.setSoTimeout(millis);
        return this;
    }

    public InputStream input() {
        return in;
    }

    /** Reads one response. */
    public RawResponse readResponse() throws IOException {
        return RawResponse.read(in, false);
    }

    /** Reads until the given bytes have been received, returning everything read so far. */
    public byte[] readUntil(String marker) throws IOException {
        byte[] wanted = marker.getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b == -1) {
                throw new IOException("connection ended before '" + marker + "'; got: " + seen);
            }
            seen.write(b);
            byte[] bytes = seen.toByteArray();
            if (bytes.length >= wanted.length
                    && Arrays.equals(bytes, bytes.length - wanted.length, bytes.length, wanted, 0, wanted.length)) {
                return bytes;
            }
        }
    }

    /** Reads everything until the connection ends or nothing arrives within the read timeout. */
    public Received readToEnd() {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (true) {
            int read;
            try {
                read = in.read(buffer);
            } catch (SocketTimeoutException e) {
                return new Received(received.toByteArray(), Ending.TIMEOUT);
            } catch (IOException e) {
                return new Received(received.toByteArray(), Ending.RESET);
            }
            if (read == -1) {
                return new Received(received.toByteArray(), Ending.EOF);
            }
            received.write(buffer, 0, read);
        }
    }

    /** Half-closes: the peer reads the end of the stream after what was sent, while this side can still read. */
    public void finishSending() throws IOException {
        socket.shutdownOutput();
    }

    /** Closes with a reset (SO_LINGER 0), as a crashed process or a pulled cable would. */
    public void closeAbruptly() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
