package net.invertingproxy.proxy.tunnel;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.http.WebConnection;

/**
 * Asks Tomcat to handle a switched connection once more on one of its own threads, which is the
 * only place Tomcat (10.1 and 11) expects an upgraded connection's input to be read and its close
 * to take effect: it reads ahead into the connection's buffer while it dispatches the connection,
 * so a read from any other thread races with it, and it closes the socket only when such a
 * dispatch finds both streams closed. There is no Servlet API for it, so
 * {@code SocketWrapperBase.processSocket(OPEN_READ, true)} is reached by reflection and found by
 * name; the WAR needs no Tomcat class. On other containers there is nothing to do.
 */
final class TomcatSocketNudge {
    private static final System.Logger LOG = System.getLogger(TomcatSocketNudge.class.getName());
    private static final String TOMCAT_PACKAGE = "org.apache.coyote.";
    // One line is enough: every tunnel after the first would say the same.
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private final Object socket;
    private final Method processSocket;
    private final Object openRead;

    private TomcatSocketNudge(Object socket, Method processSocket, Object openRead) {
        this.socket = socket;
        this.processSocket = processSocket;
        this.openRead = openRead;
    }

    /** The nudge for a Tomcat connection; null on another container, or a Tomcat whose internals differ. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static TomcatSocketNudge of(WebConnection connection) {
        if (!connection.getClass().getName().startsWith(TOMCAT_PACKAGE)) {
            return null;
        }
        try {
            Object output = field(connection.getClass(), "upgradeServletOutputStream").get(connection);
            Object socket = field(output.getClass(), "socketWrapper").get(output);
            Class<? extends Enum> event = (Class<? extends Enum>) Class.forName(
                    "org.apache.tomcat.util.net.SocketEvent", false, socket.getClass().getClassLoader());
            Method processSocket = socket.getClass().getMethod("processSocket", event, boolean.class);
            return new TomcatSocketNudge(socket, processSocket, Enum.valueOf(event, "OPEN_READ"));
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (WARNED.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "this Tomcat's internals differ from those known; WebSockets"
                        + " may stall or stay open after they end: " + e);
            }
            return null;
        }
    }

    /** Has Tomcat dispatch the connection on one of its threads (it calls the read listener if there is data). */
    void dispatch() {
        try {
            processSocket.invoke(socket, openRead, true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "dispatching a switched connection failed: " + e);
        }
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> current = type; current != null; current = current.getSuperclass()) {
            try {
                Field field = current.getDeclaredField(name);
                field.setAccessible(true);
                return field;
            } catch (NoSuchFieldException e) {
                // Declared further up.
            }
        }
        throw new NoSuchFieldException(name);
    }
}
