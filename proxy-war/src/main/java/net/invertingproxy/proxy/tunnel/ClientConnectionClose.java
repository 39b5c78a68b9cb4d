package net.invertingproxy.proxy.tunnel;

import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.http.WebConnection;

/**
 * Closes a switched client connection so that its socket is closed now, on every container.
 *
 * <p>Tomcat (10.1 and 11) closes an upgraded connection only when one of its own threads next
 * handles that connection and finds both streams closed ({@code UpgradeProcessorExternal.dispatch}).
 * A tunnel mostly ends on a thread of another connection (the agent's post ended), and then the
 * client's socket would stay open until the client next sends or times out: a client whose backend
 * vanished would wait for nothing. So after the Servlet API close, Tomcat is asked to handle the
 * connection once more ({@code SocketWrapperBase.processSocket(OPEN_READ, true)}), reached by
 * reflection and found by name, so the WAR needs no Tomcat class; other containers close at once.
 */
final class ClientConnectionClose {
    private static final System.Logger LOG = System.getLogger(ClientConnectionClose.class.getName());
    private static final String TOMCAT_PACKAGE = "org.apache.coyote.";
    // One line is enough: every tunnel after the first would say the same.
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private ClientConnectionClose() {
    }

    /** Closes the connection and makes sure the container closes its socket now. */
    static void close(WebConnection connection) throws Exception {
        connection.close();
        if (connection.getClass().getName().startsWith(TOMCAT_PACKAGE)) {
            nudgeTomcat(connection);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void nudgeTomcat(WebConnection connection) {
        try {
            Object output = field(connection.getClass(), "upgradeServletOutputStream").get(connection);
            Object socket = field(output.getClass(), "socketWrapper").get(output);
            Class<? extends Enum> event = (Class<? extends Enum>) Class.forName(
                    "org.apache.tomcat.util.net.SocketEvent", false, socket.getClass().getClassLoader());
            socket.getClass().getMethod("processSocket", event, boolean.class)
                    .invoke(socket, Enum.valueOf(event, "OPEN_READ"), true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (WARNED.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "this Tomcat's internals differ from those known; a closed"
                        + " WebSocket's client connection may stay open until the client acts: " + e);
            }
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
