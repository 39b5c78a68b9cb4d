package net.invertingproxy.proxy.servlet;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Makes Jetty 12's servlet upgrade deliver the bytes that follow a request without a body.
 *
 * <p>Jetty 12.1 (checked with 12.1.12 and 12.1.14, ee10 and ee11) ends the request content of a
 * bodiless request when it parses its head, and its {@code HttpServletRequest.upgrade} switches
 * the parser to read the connection as content without clearing that end: the upgraded
 * connection's input stream answers end-of-stream at once, forever. A WebSocket handshake is
 * always bodiless, so on Jetty no client byte would ever reach the tunnel. Before the upgrade, the
 * connection's content end is cleared here, so that reads go to the (by then switched) parser.
 * There is no API for it: the fields are reached by reflection, by name, and only Jetty's are
 * touched; on any other container, or a Jetty whose internals differ, nothing happens (a Jetty
 * that behaves already needs nothing, and one that does not is caught by the WebSocket tests).
 */
final class JettyUpgradeInput {
    private static final System.Logger LOG = System.getLogger(JettyUpgradeInput.class.getName());
    private static final String JETTY_PACKAGE = "org.eclipse.jetty.";
    // One line is enough: every handshake after the first would say the same.
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private JettyUpgradeInput() {
    }

    /** Clears the ended content of a bodiless request on Jetty; does nothing elsewhere. */
    static void reopen(HttpServletRequest request) {
        if (!request.getClass().getName().startsWith(JETTY_PACKAGE)) {
            return;
        }
        try {
            Object coreRequest = request.getClass().getMethod("getRequest").invoke(request);
            ClassLoader jetty = coreRequest.getClass().getClassLoader();
            Object metaData = publicMethod(jetty, "org.eclipse.jetty.server.Request", "getConnectionMetaData")
                    .invoke(coreRequest);
            Object connection = publicMethod(jetty, "org.eclipse.jetty.server.ConnectionMetaData", "getConnection")
                    .invoke(metaData);
            Object stream = ((AtomicReference<?>) field(connection.getClass(), "_stream").get(connection)).get();
            Field chunk = field(stream.getClass(), "_chunk");
            Object endOfContent = Class.forName("org.eclipse.jetty.io.Content$Chunk", false, jetty)
                    .getField("EOF").get(null);
            if (chunk.get(stream) == endOfContent) {
                chunk.set(stream, null);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (!WARNED.compareAndSet(false, true)) {
                return;
            }
            LOG.log(System.Logger.Level.WARNING, "this Jetty's internals differ from those known to need a fix for"
                    + " upgraded connections; WebSocket clients may get no data through: " + e);
        }
    }

    private static Method publicMethod(ClassLoader loader, String type, String name) throws ReflectiveOperationException {
        return Class.forName(type, false, loader).getMethod(name);
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }
}
