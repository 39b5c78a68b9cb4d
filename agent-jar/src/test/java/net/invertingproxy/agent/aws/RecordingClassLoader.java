package net.invertingproxy.agent.aws;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fresh class loader over the test's class path that records every class it defines: classes
 * loaded through it, apart from the JDK's, are all its own, so the record says exactly which
 * classes a code path run in it needed.
 */
public final class RecordingClassLoader extends URLClassLoader {
    private final Set<String> defined = ConcurrentHashMap.newKeySet();

    /** A loader over {@code java.class.path} whose parent is the JDK's platform loader. */
    public RecordingClassLoader() {
        super(classPath(), ClassLoader.getPlatformClassLoader());
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        defined.add(name);
        return super.findClass(name);
    }

    /** The classes loaded so far whose names start with {@code prefix}. */
    public Set<String> loaded(String prefix) {
        return Set.copyOf(defined.stream().filter(name -> name.startsWith(prefix)).toList());
    }

    private static URL[] classPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator)).map(entry -> {
            try {
                return new File(entry).toURI().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalStateException(e);
            }
        }).toArray(URL[]::new);
    }
}
