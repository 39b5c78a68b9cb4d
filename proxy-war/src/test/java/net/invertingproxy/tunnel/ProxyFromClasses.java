package net.invertingproxy.tunnel;

import java.nio.file.Path;

import net.invertingproxy.proxy.standalone.ProxyCommandLine;

/** The standalone proxy run from the build's classes instead of the packaged WAR, for tests in a JVM of their own. */
public final class ProxyFromClasses {
    private ProxyFromClasses() {
    }

    /** As {@code java -jar inverting-proxy.war ARGS}, serving {@code src/main/webapp}. */
    public static void main(String[] args) {
        System.exit(ProxyCommandLine.run(args, Tunnel.WEBAPP));
    }
}
