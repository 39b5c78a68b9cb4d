package net.invertingproxy.proxy.standalone;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The WAR's {@code Main-Class}: unpacks the WAR it was started from into a fresh temporary directory, loads
 * {@code WEB-INF/lib-embedded} (Jetty, the Servlet API), {@code WEB-INF/classes} and {@code WEB-INF/lib} in one class
 * loader and hands over to {@link ProxyCommandLine}. It sits at the WAR's root, where none of those jars can be seen,
 * so it uses only the JDK.
 */
public final class WarLauncher {
    // By name only: ProxyCommandLine is loadable from the unpacked WAR's class loader, not from this one.
    private static final String COMMAND_LINE = "net.invertingproxy.proxy.standalone.ProxyCommandLine";
    private static final int EXIT_NOT_STARTED = 1;
    // The unpacked jars must outlive the server's graceful stop (10 s by default), so cleanup waits for it, up to this.
    private static final long CLEANUP_WAIT_SECONDS = 120;

    private WarLauncher() {
    }

    /** Runs the proxy from the WAR this class was loaded from; the arguments are {@link ProxyCommandLine}'s flags. */
    public static void main(String[] args) {
        // Always exit explicitly: a thread the web application forgot to stop must not keep the process alive.
        System.exit(launch(args));
    }

    private static int launch(String[] args) {
        Path war;
        try {
            war = Path.of(WarLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | SecurityException e) {
            System.err.println("error: cannot locate the WAR: " + e.getMessage());
            return EXIT_NOT_STARTED;
        }
        if (Files.isDirectory(war)) {
            // Started from an unpacked WAR (java -cp DIR): serve it where it is.
            return runCommandLine(args, war);
        }
        Path webappDir;
        try {
            // Owner-only on POSIX, so no other local user can swap the classes about to be loaded.
            webappDir = Files.createTempDirectory("inverting-proxy-");
        } catch (IOException e) {
            System.err.println("error: cannot create a temporary directory: " + e.getMessage());
            return EXIT_NOT_STARTED;
        }
        CountDownLatch finished = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteAfter(finished, webappDir), "inverting-proxy-cleanup"));
        try {
            unpack(war, webappDir);
            return runCommandLine(args, webappDir);
        } catch (IOException e) {
            System.err.println("error: cannot unpack " + war + ": " + e.getMessage());
            return EXIT_NOT_STARTED;
        } finally {
            finished.countDown();
        }
    }

    /** Extracts every entry of the WAR into {@code target}, refusing any entry whose name points outside it (zip slip). */
    static void unpack(Path war, Path target) throws IOException {
        Path root = target.toAbsolutePath().normalize();
        try (ZipFile zip = new ZipFile(war.toFile())) {
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                Path file = root.resolve(entry.getName()).normalize();
                if (!file.startsWith(root)) {
                    throw new IOException("entry points outside the WAR: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(file);
                } else {
                    Files.createDirectories(file.getParent());
                    try (InputStream in = zip.getInputStream(entry)) {
                        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }

    /**
     * The class path of the unpacked WAR: the container's jars first, as a container's own class loader would come
     * first, then the web application's classes before its jars, as the Servlet specification orders them.
     */
    static URL[] classPath(Path webappDir) throws IOException {
        List<URL> urls = new ArrayList<>();
        urls.addAll(jars(webappDir.resolve("WEB-INF/lib-embedded")));
        urls.add(webappDir.resolve("WEB-INF/classes").toUri().toURL());
        urls.addAll(jars(webappDir.resolve("WEB-INF/lib")));
        return urls.toArray(URL[]::new);
    }

    private static List<URL> jars(Path dir) throws IOException {
        List<URL> urls = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return urls;
        }
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.jar")) {
            stream.forEach(jars::add);
        }
        jars.sort(Comparator.naturalOrder());
        for (Path jar : jars) {
            urls.add(jar.toUri().toURL());
        }
        return urls;
    }

    private static int runCommandLine(String[] args, Path webappDir) {
        try {
            // The platform loader as parent: the WAR itself, on the application class path, must stay out of sight.
            ClassLoader loader = new URLClassLoader("inverting-proxy", classPath(webappDir),
                    ClassLoader.getPlatformClassLoader());
            Thread.currentThread().setContextClassLoader(loader);
            Method run = Class.forName(COMMAND_LINE, true, loader).getMethod("run", String[].class, Path.class);
            return (Integer) run.invoke(null, args, webappDir);
        } catch (InvocationTargetException e) {
            e.getCause().printStackTrace();
            return EXIT_NOT_STARTED;
        } catch (IOException | ReflectiveOperationException e) {
            System.err.println("error: the WAR cannot be run on its own: " + e);
            return EXIT_NOT_STARTED;
        }
    }

    // Best effort: whatever cannot be deleted (say, a jar still open on Windows) is left for the OS's temp cleaning.
    private static void deleteAfter(CountDownLatch finished, Path dir) {
        try {
            finished.await(CLEANUP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // Nothing sensible to do this late in the JVM's life.
        }
    }
}
