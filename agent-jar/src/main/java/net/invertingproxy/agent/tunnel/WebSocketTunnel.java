package net.invertingproxy.agent.tunnel;

import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.invertingproxy.agent.http.AbortableRequest;
import net.invertingproxy.agent.proxy.ProxyClient;
import net.invertingproxy.protocol.BodyFraming;
import net.invertingproxy.protocol.MessageBody;
import net.invertingproxy.protocol.MessageReader;
import net.invertingproxy.protocol.MessageWriter;
import net.invertingproxy.protocol.RequestHead;

/**
 * One tunnelled WebSocket connection (protocol section 4): the handshake goes to the backend on a
 * socket of its own; a {@code 101} is posted to the proxy and the post goes on with the backend's
 * bytes, while the client's bytes, which follow the handshake in the request read, go to the
 * backend. Each direction holds one thread, blocked in its read, and flushes whatever it read at
 * once. Any other answer is posted as an ordinary response.
 *
 * <p>A side that ends cleanly is passed on as a clean end (the post's last chunk; a half-close of
 * the backend socket); a side that breaks breaks both: the backend socket is reset, the post cut
 * and the request read dropped, so that neither end mistakes a broken connection for a closed one.
 *
 * <p>While the backend is silent, the {@link WebSocketPinger} slips keep-alive pings in between the
 * client's frames; the backend's pongs keep the post and the proxy's connections busy.
 */
public final class WebSocketTunnel {
    private static final Logger LOG = Logger.getLogger(WebSocketTunnel.class.getName());
    private static final int SWITCHED = 101;
    private static final int DIRECTIONS = 2;
    // Interactive traffic comes in small pieces, each flushed: larger buffers gain nothing.
    private static final int BUFFER_SIZE = 8 * 1024;

    private final String requestId;
    private final RequestHead handshake;
    private final MessageBody clientBytes;
    private final MessageReader backendReader;
    private final TunnelListener listener;
    private final AtomicInteger directionsRunning = new AtomicInteger(DIRECTIONS);
    // Set once the tunnel is ending: a side broke, the backend's side ended, or it was aborted.
    // What fails after that is a consequence, not news.
    private final AtomicBoolean ending = new AtomicBoolean();
    private volatile boolean aborted;
    // Set when a write to the backend (the client's bytes or a ping) failed: the request read is then
    // dropped on purpose, and its breaking is no news.
    private volatile boolean backendWriteFailed;
    private volatile Socket backend;
    // Set and used on the exchange's thread.
    private LastReadTrackingInputStream fromBackend;
    private volatile AbortableRequest post;

    /**
     * A tunnel for the handshake {@code handshake} (headers as the backend must see them) whose
     * client connection continues in {@code clientBytes}; {@code backendReader} reads the backend's
     * answer head, {@code listener} hears how the request read is released and how the answer ended.
     */
    public WebSocketTunnel(String requestId, RequestHead handshake, MessageBody clientBytes,
                           MessageReader backendReader, TunnelListener listener) {
        this.requestId = requestId;
        this.handshake = handshake;
        this.clientBytes = clientBytes;
        this.backendReader = backendReader;
        this.listener = listener;
    }

    /**
     * On the exchange's thread: makes the handshake with the backend and passes its answer on; after
     * a {@code 101}, relays the client's bytes on this thread and the backend's on one of {@code
     * threads}, and returns when the client's side is done (the backend's may still run); {@code
     * pinger} keeps the connection alive meanwhile.
     */
    public void run(BackendSocketFactory sockets, WebSocketPinger pinger, ProxyClient proxy, Executor threads) {
        MessageReader.IncomingResponse answer;
        try {
            backend = sockets.connect();
            if (aborted) {
                throw new IOException("the agent is stopping");
            }
            MessageWriter.writeRequest(handshake, BodyFraming.none(), null, backend.getOutputStream());
            fromBackend = new LastReadTrackingInputStream(backend.getInputStream());
            answer = backendReader.readResponse(fromBackend, handshake.method(), true);
        } catch (IOException e) {
            closeAbruptly();
            listener.clientAbandoned();
            listener.backendFailed(e);
            return;
        }
        if (answer.head().status() == SWITCHED) {
            relay(answer, pinger, proxy, threads);
        } else {
            passRefusalOn(answer, proxy);
        }
    }

    /**
     * Breaks the tunnel off, whatever it is doing: the backend socket is reset, the post cut and the
     * request read dropped. For a forced stop.
     */
    public void abort() {
        aborted = true;
        ending.set(true);
        cutPost();
        closeAbruptly();
        listener.clientAbandoned();
    }

    // The backend answered the handshake with something else than 101: an ordinary answer, posted as
    // such; the proxy ends its request read once it has it, so that read is not waited for.
    private void passRefusalOn(MessageReader.IncomingResponse answer, ProxyClient proxy) {
        int status = answer.head().status();
        BodyFraming framing = answer.body().framing();
        // A body delimited by the backend closing is posted chunked, so the proxy can tell its end.
        BodyFraming posted = framing.kind() == BodyFraming.Kind.UNTIL_EOF ? BodyFraming.chunked() : framing;
        RelayedResponseEntity entity = newPost(proxy, answer, posted);
        try {
            proxy.post(post);
            closeQuietly();
            listener.clientAbandoned();
            LOG.fine(() -> "request " + requestId + ": WebSocket " + handshake.target() + " refused by the backend: "
                    + status);
            listener.posted(status);
        } catch (IOException e) {
            closeAbruptly();
            listener.clientAbandoned();
            IOException backendFailure = entity.backendFailure();
            if (backendFailure != null) {
                warn("the backend's " + status + " refusing the WebSocket upgrade broke mid-body ("
                        + describe(backendFailure) + "); response to the proxy aborted", backendFailure);
            }
            listener.postFailed(status, backendFailure != null || aborted ? null : e, entity.headSent());
        }
    }

    private void relay(MessageReader.IncomingResponse answer, WebSocketPinger pinger, ProxyClient proxy,
                       Executor threads) {
        try {
            // Once switched, a quiet backend is pinged; one that answers three pings with nothing
            // has vanished (no FIN ever came), and its read times out. Without pings: no timeout.
            backend.setSoTimeout(pinger.backendReadTimeoutMillis());
        } catch (IOException e) {
            // A socket that cannot take the setting is closed: its reads fail, which breaks the tunnel.
        }
        RelayedResponseEntity entity = newPost(proxy, answer, BodyFraming.untilEof());
        LOG.fine(() -> "request " + requestId + ": WebSocket " + handshake.target() + " open");
        try {
            threads.execute(() -> relayBackendBytes(proxy, entity));
        } catch (RejectedExecutionException e) {
            ending.set(true);
            closeAbruptly();
            listener.clientAbandoned();
            directionsRunning.set(0);
            listener.postFailed(SWITCHED, new IOException("the agent is stopping"), false);
            return;
        }
        relayClientBytes(pinger);
    }

    private RelayedResponseEntity newPost(ProxyClient proxy, MessageReader.IncomingResponse answer,
                                          BodyFraming framing) {
        AbortableRequest newPost = proxy.newResponsePost(requestId, null);
        RelayedResponseEntity entity = new RelayedResponseEntity(answer.head(), framing, answer.body(), newPost);
        newPost.setEntity(entity);
        post = newPost;
        if (aborted) {
            // An abort that came first cuts the post as it starts.
            newPost.cancel();
        }
        return entity;
    }

    // On a thread of its own: the post carries the backend's bytes until the backend closes its side.
    private void relayBackendBytes(ProxyClient proxy, RelayedResponseEntity entity) {
        try {
            proxy.post(post);
            // The backend closed its side and the proxy took all of it: what fails now is no news.
            ending.set(true);
            directionEnded();
            listener.posted(SWITCHED);
        } catch (IOException e) {
            IOException backendFailure = entity.backendFailure();
            boolean cutByTunnel = ending.get() || backendFailure != null;
            if (backendFailure != null) {
                breakOff("the backend's connection broke (" + describe(backendFailure)
                        + "); WebSocket to the proxy broken off", backendFailure);
            } else {
                // The proxy refused or lost the post: the exchange reports it.
                breakOff(null, e);
            }
            directionEnded();
            listener.postFailed(SWITCHED, cutByTunnel ? null : e, entity.headSent());
        }
    }

    // On the exchange's thread: the client's bytes to the backend, until the client's side ends; the
    // backend is pinged meanwhile whenever it falls silent.
    private void relayClientBytes(WebSocketPinger pinger) {
        BackendKeepAlive keepAlive = null;
        try {
            BackendOutput toBackend;
            try {
                toBackend = new BackendOutput(backend.getOutputStream());
            } catch (IOException e) {
                breakOff("the backend's connection broke (" + describe(e) + ")", e);
                return;
            }
            keepAlive = pinger.keepAlive(toBackend, fromBackend, this::backendTakesNoMore);
            byte[] buffer = new byte[BUFFER_SIZE];
            while (true) {
                int read;
                try {
                    read = clientBytes.read(buffer);
                } catch (IOException e) {
                    if (!backendWriteFailed) {
                        breakOff("the client's connection broke (" + describe(e) + "); WebSocket to the backend"
                                + " broken off", e);
                    }
                    return;
                }
                if (read == -1) {
                    break;
                }
                if (!write(toBackend, buffer, read)) {
                    return;
                }
            }
            // Nothing may follow the client's last bytes (a close frame, RFC 6455 section 5.5.1), nor
            // race the half-close.
            keepAlive.stop();
            listener.clientFinished();
            halfClose();
        } finally {
            if (keepAlive != null) {
                keepAlive.stop();
            }
            directionEnded();
        }
    }

    // False if the backend no longer takes bytes.
    private boolean write(BackendOutput toBackend, byte[] buffer, int length) {
        try {
            toBackend.write(buffer, length);
            return true;
        } catch (IOException e) {
            backendTakesNoMore(e);
            return false;
        }
    }

    // A write to the backend failed, of the client's bytes or of a ping: the backend's side is closing
    // or broke, which reading it tells the other direction; the client's further bytes have nowhere
    // to go, so the request read is dropped, which also ends a read in progress.
    private void backendTakesNoMore(IOException failure) {
        backendWriteFailed = true;
        LOG.log(Level.FINE, "request " + requestId + ": the backend takes no more WebSocket bytes", failure);
        listener.clientAbandoned();
    }

    // The client closed its side cleanly: so does the agent towards the backend, which may still answer.
    private void halfClose() {
        try {
            backend.shutdownOutput();
        } catch (IOException | UnsupportedOperationException e) {
            // Already closed, or a TLS socket that cannot half-close: the backend's own close ends it.
            LOG.log(Level.FINE, "request " + requestId + ": half-closing the backend socket failed", e);
        }
    }

    // Ends both directions at once; {@code why} is logged if this is the first news of the end.
    private void breakOff(String why, Exception cause) {
        if (ending.compareAndSet(false, true) && why != null) {
            warn(why, cause);
        }
        cutPost();
        closeAbruptly();
        listener.clientAbandoned();
    }

    private void directionEnded() {
        if (directionsRunning.decrementAndGet() == 0) {
            closeQuietly();
            LOG.fine(() -> "request " + requestId + ": WebSocket " + handshake.target() + " closed");
        }
    }

    private void cutPost() {
        AbortableRequest current = post;
        if (current != null) {
            current.cancel();
        }
    }

    // A reset, not a close: the backend must see a broken connection, never a clean end.
    private void closeAbruptly() {
        Socket socket = backend;
        if (socket == null) {
            return;
        }
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException e) {
            // Already closed.
        }
        closeQuietly();
    }

    private void closeQuietly() {
        Socket socket = backend;
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "request " + requestId + ": closing the backend socket failed", e);
        }
    }

    // The first message along the causes, else the name of the innermost one.
    private static String describe(Throwable failure) {
        Throwable current = failure;
        while (current.getMessage() == null && current.getCause() != null) {
            current = current.getCause();
        }
        return current.getMessage() != null ? current.getMessage() : current.getClass().getSimpleName();
    }

    // One line per failure; the stack trace only with -debug.
    private void warn(String message, Throwable cause) {
        LOG.warning(() -> "request " + requestId + ": " + message);
        LOG.log(Level.FINE, "request " + requestId + " failure details", cause);
    }
}
