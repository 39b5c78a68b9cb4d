package net.invertingproxy.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The stage of a fault test class, registered with {@code @RegisterExtension}: before its tests, a
 * {@link PackagedProxy} with {@link PackagedProxy#QUICK_FAULTS} and the backends the class names,
 * each served by its own packaged agent; after them (also when one failed), every agent and
 * backend stopped, then the proxy.
 */
final class FaultScene implements BeforeAllCallback, AfterAllCallback {
    private final String name;
    private final Duration idleTimeout;
    private final List<String> backendIds;
    private final Map<String, ServedBackend> backends = new LinkedHashMap<>();
    private PackagedProxy proxy;

    /** A scene whose proxy closes idle connections after {@code idleTimeout}, serving the given backends. */
    FaultScene(String name, Duration idleTimeout, String... backendIds) {
        this.name = name;
        this.idleTimeout = idleTimeout;
        this.backendIds = List.of(backendIds);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        proxy = PackagedProxy.start(name, idleTimeout, PackagedProxy.QUICK_FAULTS);
        for (String id : backendIds) {
            backends.put(id, ServedBackend.start(name, proxy, id));
        }
    }

    PackagedProxy proxy() {
        return proxy;
    }

    /** The backend started under this ID. */
    ServedBackend backend(String id) {
        ServedBackend backend = backends.get(id);
        if (backend == null) {
            throw new IllegalArgumentException("no backend " + id + " in this scene");
        }
        return backend;
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        List<Exception> failures = new ArrayList<>();
        for (ServedBackend backend : backends.values()) {
            try {
                backend.close();
            } catch (Exception e) {
                failures.add(e);
            }
        }
        if (proxy != null) {
            proxy.close();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }
}
