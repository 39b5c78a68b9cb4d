package net.invertingproxy.tunnel;

import java.util.Arrays;
import java.util.Map;

import org.apache.hc.client5.http.classic.methods.HttpGet;

/**
 * Run in a JVM of its own with {@code -verbose:class}: the whole tunnel (proxy and agent) serving
 * one request, with the given proxy settings and agent flags, so a test can see which classes it loaded.
 */
final class ClassLoadingProbe {
    private ClassLoadingProbe() {
    }

    /** Arguments: pairs of proxy setting and value, then {@code --}, then agent flags. */
    public static void main(String[] args) throws Exception {
        int split = Arrays.asList(args).indexOf("--");
        Map<String, String> settings = Tunnel.settings(Arrays.copyOfRange(args, 0, split));
        String[] agentFlags = Arrays.copyOfRange(args, split + 1, args.length);
        // Jetty's threads would keep the JVM alive after a failure: it must end either way.
        try (Tunnel tunnel = Tunnel.start(settings, agentFlags)) {
            int status = tunnel.client.execute(new HttpGet(tunnel.uri("/probe")), response -> response.getCode());
            System.out.println("probe answered " + status);
        } catch (Exception | Error e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }
}
