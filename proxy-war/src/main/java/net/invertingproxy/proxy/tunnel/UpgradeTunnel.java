package net.invertingproxy.proxy.tunnel;

import java.io.IOException;
import java.lang.System.Logger.Level;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.WebConnection;


/**
 * One WebSocket handshake and, once the backend switched protocols, the connection it opened:
 * the client's upgraded connection, the agent's {@code GET agent/request} whose answer carries the
 * client's bytes, and the agent's {@code POST agent/response} that carries the backend's (see
 * docs/protocol.md, section 4). Each leg attaches when its servlet gets to it, in whatever order;
 * a direction starts once both of its ends are there. No thread waits while bytes are awaited.
 */
public final class UpgradeTunnel {
    private static final System.Logger LOG = System.getLogger(UpgradeTunnel.class.getName());

    /** Told once when the tunnel has ended and every leg is closed. */
    public interface Ending {
        /**
         * The tunnel ended: {@code clean} if the backend's side ended normally, else {@code reason}
         * says what broke. The byte counts are those of each direction.
         */
        void tunnelEnded(boolean clean, String reason, long clientToBackend, long backendToClient);
    }

    private volatile String requestId = "-";
    private volatile Ending ending;
    private final Relay upstream = new Relay("client to agent", new RelayEnding(), false);
    // Pings to the client go between the frames of the backend's stream.
    private final Relay downstream = new Relay("agent to client", new RelayEnding(), true);
    private volatile OpenTunnels openTunnels;
    private volatile long lastPingNanos = System.nanoTime();
    private volatile boolean sentAsUpgrade;
    private AsyncContext agentRead;
    private Runnable agentReadBreaker;
    private AsyncContext agentPost;
    private WebConnection client;
    private TomcatSocketNudge clientNudge;
    private boolean upstreamFinished;
    private boolean downstreamFinished;
    private boolean ended;
    private boolean refused;

    /** A tunnel for one handshake; {@link #belongsTo} names its exchange once it is parked. */
    public UpgradeTunnel() {
        // Legs attach as the servlets get to them.
    }

    /**
     * Names the exchange the handshake was parked as, and whom to tell when the tunnel ends. Called
     * once, right after parking, before the backend can have switched protocols.
     */
    public void belongsTo(String parkedRequestId, Ending whenEnded, OpenTunnels tunnels) {
        this.requestId = parkedRequestId;
        this.ending = whenEnded;
        this.openTunnels = tunnels;
    }

    /**
     * Pings the client if it has sent nothing for {@code idle} and was not pinged within it. Its
     * pong (RFC 6455 section 5.5.2) travels to the backend, which ignores it (section 5.5.3), and
     * keeps the client's connection and the agent's request read from looking idle to a load
     * balancer or a read timeout.
     */
    void pingIfIdle(long nowNanos, long idleNanos) {
        if (nowNanos - upstream.lastReadNanos() < idleNanos || nowNanos - lastPingNanos < idleNanos) {
            return;
        }
        lastPingNanos = nowNanos;
        downstream.ping();
    }

    /** Whether the handshake went to an agent that tunnels WebSockets, with its upgrade headers. */
    public boolean sentAsUpgrade() {
        return sentAsUpgrade;
    }

    /**
     * The handshake is about to be sent to an agent as such. Set before its head leaves: the
     * agent may answer {@code 101} before the read that carried it has gone asynchronous.
     */
    public void sendingAsUpgrade() {
        sentAsUpgrade = true;
    }

    /**
     * The agent's request read carried the handshake as such; its answer, suspended in
     * {@code read}, now carries the client's bytes. {@code breaker} breaks that answer off (no last
     * chunk), on the read's own thread, so that the agent never takes a broken client for one that
     * closed cleanly.
     */
    public void agentReading(AsyncContext read, Runnable breaker) throws IOException {
        synchronized (this) {
            agentRead = read;
            agentReadBreaker = breaker;
            if (refused) {
                completeQuietly(read);
                return;
            }
            if (ended) {
                breaker.run();
                return;
            }
        }
        try {
            upstream.attachSink(read.getResponse().getOutputStream());
        } catch (RuntimeException e) {
            // The tunnel was torn down meanwhile and the read dispatched to be broken off.
            tearDown("the agent's request read could not be relayed: " + e);
        }
    }

    /**
     * The backend switched protocols: the agent's post, suspended in {@code post}, carries the
     * backend's bytes after the head, of which {@code readAhead} was already read.
     */
    public void switched(AsyncContext post, byte[] readAhead) throws IOException {
        synchronized (this) {
            agentPost = post;
            if (ended) {
                answerPost(HttpServletResponse.SC_GONE);
                return;
            }
        }
        try {
            downstream.attachSource(post.getRequest().getInputStream(), readAhead, null);
        } catch (RuntimeException e) {
            tearDown("the agent's post could not be relayed: " + e);
        }
    }

    /** The client's connection has been switched: both directions can flow to and from it. */
    void clientConnected(WebConnection connection) throws IOException {
        TomcatSocketNudge nudge = TomcatSocketNudge.of(connection);
        synchronized (this) {
            client = connection;
            clientNudge = nudge;
            if (ended) {
                closeClient();
                return;
            }
        }
        OpenTunnels tunnels = openTunnels;
        if (tunnels != null) {
            tunnels.opened(this);
            synchronized (this) {
                if (ended) {
                    // It ended between the check above and now, and may have missed the set.
                    tunnels.closed(this);
                }
            }
        }
        upstream.attachSource(connection.getInputStream(), new byte[0], nudge);
        downstream.attachSink(connection.getOutputStream());
    }

    /** The backend refused the upgrade: the agent's request read ends after the head. */
    public void refused() {
        AsyncContext read;
        synchronized (this) {
            ended = true;
            refused = true;
            read = agentRead;
        }
        upstream.stop();
        if (read != null) {
            completeQuietly(read);
        }
    }

    /** Ends every leg at once, as broken: the switch failed, or the container closed the client connection. */
    public void fail(String reason) {
        tearDown(reason);
    }

    /** The container is done with the client's connection. */
    void clientClosed() {
        boolean done;
        synchronized (this) {
            done = ended;
        }
        if (!done) {
            tearDown("the client connection was closed");
        }
    }

    private final class RelayEnding implements Relay.Ending {
        @Override
        public void finished(Relay relay) {
            if (relay == upstream) {
                upstreamEnded();
            } else {
                downstreamEnded();
            }
        }

        @Override
        public void broke(Relay relay, boolean sourceSide, Throwable failure) {
            String who = relay == upstream ? (sourceSide ? "the client" : "the agent's request read")
                    : (sourceSide ? "the agent's post" : "the client");
            LOG.log(Level.DEBUG, "tunnel {0}: {1} broke: {2}", requestId, who, failure.toString());
            tearDown(who + " broke off");
        }
    }

    // The client closed its side cleanly: the agent's read ends normally and the agent closes its
    // side towards the backend; the backend's answer may still come.
    private void upstreamEnded() {
        AsyncContext read;
        boolean bothDone;
        synchronized (this) {
            upstreamFinished = true;
            read = agentRead;
            bothDone = downstreamFinished;
        }
        completeQuietly(read);
        if (bothDone) {
            end(true, "");
        }
    }

    // The backend closed its side cleanly and all it sent reached the client: the exchange is over.
    private void downstreamEnded() {
        synchronized (this) {
            downstreamFinished = true;
        }
        end(true, "");
    }

    private void tearDown(String reason) {
        end(false, reason);
    }

    private void end(boolean clean, String reason) {
        AsyncContext read;
        boolean readDone;
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            read = agentRead;
            readDone = upstreamFinished;
        }
        upstream.stop();
        downstream.stop();
        OpenTunnels tunnels = openTunnels;
        if (tunnels != null) {
            tunnels.closed(this);
        }
        answerPost(clean ? HttpServletResponse.SC_OK : HttpServletResponse.SC_GONE);
        closeClient();
        if (read != null && !readDone) {
            if (clean) {
                completeQuietly(read);
            } else {
                agentReadBreaker.run();
            }
        }
        ending.tunnelEnded(clean, reason, upstream.bytes(), downstream.bytes());
    }

    private void answerPost(int status) {
        AsyncContext post;
        synchronized (this) {
            post = agentPost;
            agentPost = null;
        }
        if (post == null) {
            return;
        }
        try {
            HttpServletResponse response = (HttpServletResponse) post.getResponse();
            if (status != HttpServletResponse.SC_OK) {
                // The agent may still be sending: closing tells it to stop at once.
                response.setHeader("Connection", "close");
            }
            response.setStatus(status);
            response.setContentLength(0);
        } catch (IllegalStateException e) {
            // The container already ended the post.
        }
        completeQuietly(post);
    }

    private void closeClient() {
        WebConnection connection;
        TomcatSocketNudge nudge;
        synchronized (this) {
            connection = client;
            nudge = clientNudge;
        }
        if (connection == null) {
            return;
        }
        try {
            ClientConnectionClose.close(connection, nudge);
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "tunnel {0}: closing the client connection failed: {1}", requestId, e.toString());
        }
    }

    private static void completeQuietly(AsyncContext async) {
        if (async == null) {
            return;
        }
        try {
            async.complete();
        } catch (IllegalStateException e) {
            // Already completed, or the container ended it after an error.
        }
    }

}
