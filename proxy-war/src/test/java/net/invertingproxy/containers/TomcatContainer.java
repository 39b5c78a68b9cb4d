package net.invertingproxy.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The WAR deployed to a real Tomcat distribution (unpacked by the pom from
 * {@code org.apache.tomcat:tomcat:<version>:tar.gz}) the way {@code tomcat-config/README.md} says:
 * a fresh {@code CATALINA_BASE} with the distribution's {@code conf/}, overlaid with
 * {@code tomcat-config/conf/server.xml} and {@code context.xml}, {@code tomcat-config/bin/setenv.sh},
 * and the WAR as {@code webapps/ROOT.war}; run in the foreground with {@code catalina.sh run}.
 * Proxy settings are system properties in {@code CATALINA_OPTS}.
 */
final class TomcatContainer implements ProxyUnderTest {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final int port;
    private final ContainerProcess process;

    private TomcatContainer(String name, int port, ContainerProcess process) {
        this.name = name;
        this.port = port;
        this.process = process;
    }

    /** Starts the Tomcat whose distribution directory is in the system property (set by the pom), e.g. {@code tomcat10.home}. */
    static TomcatContainer start(String homeProperty, Map<String, String> settings) throws Exception {
        Path home = Path.of(ContainerProcess.requiredProperty(homeProperty));
        if (!Files.isRegularFile(home.resolve("bin/catalina.sh"))) {
            throw new AssertionError("no Tomcat distribution in " + home + " (the pom unpacks it in pre-integration-test)");
        }
        return start(home, settings);
    }

    static TomcatContainer start(Path catalinaHome, Map<String, String> settings) throws Exception {
        String name = catalinaHome.getFileName().toString().replaceFirst("^apache-", "");
        Path tomcatConfig = Path.of(ContainerProcess.requiredProperty("tomcat-config.dir"));
        Path war = Path.of(ContainerProcess.requiredProperty("proxy.war"));
        Path logs = ContainerProcess.freshDirectory(ContainerProcess.TARGET.resolve("containers-logs").resolve(name));
        Path base = ContainerProcess.freshDirectory(ContainerProcess.TARGET.resolve("containers-base").resolve(name));

        copyDirectory(catalinaHome.resolve("conf"), base.resolve("conf"));
        Files.copy(tomcatConfig.resolve("conf/server.xml"), base.resolve("conf/server.xml"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(tomcatConfig.resolve("conf/context.xml"), base.resolve("conf/context.xml"), StandardCopyOption.REPLACE_EXISTING);
        Files.createDirectories(base.resolve("bin"));
        Files.copy(tomcatConfig.resolve("bin/setenv.sh"), base.resolve("bin/setenv.sh"));
        Files.createDirectories(base.resolve("webapps"));
        Files.copy(war, base.resolve("webapps/ROOT.war"));
        Files.createDirectories(base.resolve("temp"));
        Files.createDirectories(base.resolve("work"));
        // Tomcat's own log files (catalina.<date>.log, localhost.<date>.log) land beside console.log.
        Files.createSymbolicLink(base.resolve("logs"), logs);

        int port = ContainerProcess.freePort();
        List<String> catalinaOpts = new ArrayList<>();
        settings.forEach((key, value) -> catalinaOpts.add("-Dinverting-proxy." + key + "=" + value));
        Map<String, String> environment = new HashMap<>();
        // Nothing of the caller's environment may configure this Tomcat.
        for (String inherited : System.getenv().keySet()) {
            if (inherited.startsWith("CATALINA_") || inherited.startsWith("INVERTING_PROXY_") || inherited.startsWith("JPDA_")
                    || List.of("JAVA_OPTS", "JRE_HOME", "LOGGING_CONFIG", "LOGGING_MANAGER", "UMASK").contains(inherited)) {
                environment.put(inherited, null);
            }
        }
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.put("CATALINA_HOME", catalinaHome.toString());
        environment.put("CATALINA_BASE", base.toString());
        environment.put("CATALINA_OPTS", String.join(" ", catalinaOpts));
        environment.put("INVERTING_PROXY_HTTP_PORT", Integer.toString(port));
        environment.put("INVERTING_PROXY_BIND_ADDRESS", "127.0.0.1");
        environment.put("INVERTING_PROXY_HEAP", "256m");

        ContainerProcess process = ContainerProcess.start(name, logs,
                List.of("/bin/sh", catalinaHome.resolve("bin/catalina.sh").toString(), "run"), environment, base);
        TomcatContainer tomcat = new TomcatContainer(name, port, process);
        process.awaitHealthy(port, START_TIMEOUT);
        return tomcat;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public Path logDirectory() {
        return process.logDirectory();
    }

    @Override
    public String logTail(int lines) {
        return process.logTail(lines);
    }

    @Override
    public void close() {
        process.stop();
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
