package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

/**
 * With no backend using {@code awsIdentity}, the proxy loads no AWS SDK class, even with AWS logins
 * set up and a login arriving for another backend: the whole proxy runs in a fresh class loader
 * that records what it defines. A login for a backend with {@code awsIdentity} does load the SDK,
 * which shows the record would see it.
 */
class AwsOffByDefaultTest {
    private static final String SDK = "software.amazon.";

    @Test
    void aProxyWithoutAwsBackendsLoadsNoAwsClass() throws Exception {
        try (RecordingLoader loader = new RecordingLoader()) {
            assertEquals(List.of(200, 401), probe(loader, false));
            assertEquals(Set.of(), loader.loaded(SDK));
        }
    }

    @Test
    void aLoginForAnAwsBackendLoadsTheSdk() throws Exception {
        try (RecordingLoader loader = new RecordingLoader()) {
            // STS is unreachable in the probe: the login fails closed.
            assertEquals(List.of(200, 401, 503), probe(loader, true));
            assertFalse(loader.loaded(SDK).isEmpty());
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> probe(ClassLoader loader, boolean aws) throws Exception {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(loader);
        try {
            return (List<Integer>) loader.loadClass(AwsOffProbe.class.getName()).getMethod("run", boolean.class)
                    .invoke(null, aws);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    /** A fresh loader over the test's class path, parent the JDK's, that records each class it defines. */
    private static final class RecordingLoader extends URLClassLoader {
        private final Set<String> defined = ConcurrentHashMap.newKeySet();

        RecordingLoader() {
            super(Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator)).map(entry -> {
                try {
                    return new File(entry).toURI().toURL();
                } catch (MalformedURLException e) {
                    throw new IllegalStateException(e);
                }
            }).toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            defined.add(name);
            return super.findClass(name);
        }

        Set<String> loaded(String prefix) {
            return Set.copyOf(defined.stream().filter(name -> name.startsWith(prefix)).toList());
        }
    }
}
