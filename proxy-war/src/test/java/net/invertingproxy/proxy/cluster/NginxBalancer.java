package net.invertingproxy.proxy.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Debian's {@code nginx} on 127.0.0.1 spreading every request round-robin over proxy instances, as
 * an AWS ALB without stickiness would, so that the cluster tests meet a real load balancer.
 */
public final class NginxBalancer implements AutoCloseable {
    private static final Path EXECUTABLE = Path.of("/usr/sbin/nginx");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    /** A port picked free can be taken before nginx binds it; a few fresh picks make that harmless. */
    private static final int BIND_ATTEMPTS = 3;
    /** Each access log line is {@code $upstream_addr|$status|$request_method $request_uri}; '|' never occurs in an address list. */
    private static final String LOG_SEPARATOR = "|";

    private final Path directory;
    private final List<Integer> upstreamPorts;
    private int port;
    private Process process;

    private NginxBalancer(Path directory, List<Integer> upstreamPorts) {
        this.directory = directory;
        this.upstreamPorts = List.copyOf(upstreamPorts);
    }

    /** Starts nginx on a free loopback port, balancing round-robin over 127.0.0.1 at the given ports; fails (never skips) where nginx is missing. */
    public static NginxBalancer start(List<Integer> upstreamPorts) throws IOException, InterruptedException {
        if (!Files.isExecutable(EXECUTABLE)) {
            throw new IllegalStateException(EXECUTABLE + " is missing: install Debian's nginx package (apt-get install nginx)");
        }
        if (upstreamPorts.isEmpty()) {
            throw new IllegalArgumentException("an upstream needs at least one server");
        }
        // nginx takes relative paths relative to its prefix, not to our working directory: keep them absolute.
        Path parent = Files.createDirectories(Path.of("target", "nginx").toAbsolutePath());
        NginxBalancer balancer = new NginxBalancer(Files.createTempDirectory(parent, "nginx-"), upstreamPorts);
        balancer.launch();
        return balancer;
    }

    /** The balancer's port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>/}, the URL clients and agents are given instead of an instance's. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port + "/";
    }

    /** The directory holding this balancer's nginx.conf, logs, pid file and temp files. */
    public Path directory() {
        return directory;
    }

    /** The raw access log lines ({@code $upstream_addr|$status|$request_method $request_uri}), one per finished request, oldest first. */
    public List<String> accessLog() throws IOException {
        Path log = directory.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    }

    /**
     * The upstream ({@code 127.0.0.1:<port>}) that finally served each finished request, oldest first,
     * or {@code -} where nginx answered itself; nginx writes a line only once the request has ended.
     */
    public List<String> upstreamsUsed() throws IOException {
        List<String> used = new ArrayList<>();
        for (List<String> attempts : upstreamAttempts()) {
            used.add(attempts.get(attempts.size() - 1));
        }
        return used;
    }

    /** Every upstream each finished request was tried on, in order, so a test can see a request passed on after a refusal. */
    public List<List<String>> upstreamAttempts() throws IOException {
        List<List<String>> attempts = new ArrayList<>();
        for (String line : accessLog()) {
            String addresses = line.substring(0, line.indexOf(LOG_SEPARATOR));
            // ", " separates servers tried within one upstream, " : " the upstreams of internal redirects.
            attempts.add(List.of(addresses.split(", | : ")));
        }
        return attempts;
    }

    /** The last {@code lines} lines of the error log, for failure messages. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(directory.resolve("error.log"), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no error log: " + e + ")";
        }
    }

    /** Stops nginx gracefully (SIGQUIT), then by force if it lingers, and waits until master and worker are gone. */
    @Override
    public void close() throws InterruptedException {
        if (process == null) {
            return;
        }
        // Snapshot the worker now: once the master is gone it can no longer be found as a descendant.
        List<ProcessHandle> children = process.descendants().collect(Collectors.toList());
        if (process.isAlive()) {
            signal("QUIT");
            // worker_shutdown_timeout bounds the graceful stop, so this wait rarely runs out.
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
        // A worker outliving a killed master would keep the port and connections open.
        for (ProcessHandle child : children) {
            child.destroyForcibly();
            child.onExit().completeOnTimeout(child, 5, TimeUnit.SECONDS).join();
        }
    }

    private void signal(String name) throws InterruptedException {
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // Without kill(1) the graceful stop is lost but SIGTERM still follows: nginx's fast shutdown.
            process.destroy();
        }
    }

    private void launch() throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            port = freePort();
            Path conf = writeConfig();
            check(conf);
            Files.deleteIfExists(directory.resolve("error.log"));
            process = new ProcessBuilder(command(conf))
                    .redirectErrorStream(true)
                    .redirectOutput(directory.resolve("nginx.out").toFile())
                    .start();
            if (awaitListening()) {
                return;
            }
            String log = logTail(40) + "\n" + Files.readString(directory.resolve("nginx.out"));
            close();
            if (!log.contains("Address already in use") || attempt == BIND_ATTEMPTS) {
                throw new IllegalStateException("nginx did not start on 127.0.0.1:" + port
                        + " within " + START_TIMEOUT.toSeconds() + " s; its log (" + directory + "):\n" + log);
            }
        }
    }

    /** Runs {@code nginx -t} first, whose message names a config error plainly, rather than a dead process. */
    private void check(Path conf) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(command(conf));
        command.add("-t");
        Process test = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("nginx-t.out").toFile())
                .start();
        if (!test.waitFor(10, TimeUnit.SECONDS)) {
            test.destroyForcibly();
            throw new IllegalStateException("nginx -t did not finish within 10 s for " + conf);
        }
        if (test.exitValue() != 0) {
            throw new IllegalStateException("nginx rejects " + conf + ":\n"
                    + Files.readString(directory.resolve("nginx-t.out")) + "\n" + Files.readString(conf));
        }
    }

    private List<String> command(Path conf) {
        // -p and -e keep nginx off /usr/share/nginx and /var/log/nginx even before it has read the config.
        return List.of(EXECUTABLE.toString(), "-p", directory + "/", "-e", directory.resolve("error.log").toString(),
                "-c", conf.toString());
    }

    private boolean awaitListening() throws InterruptedException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                return false;
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return true;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        return false;
    }

    private Path writeConfig() throws IOException {
        String d = directory.toString();
        StringBuilder servers = new StringBuilder();
        for (int upstreamPort : upstreamPorts) {
            // No max_fails/fail_timeout override: nginx's 1 failure / 10 s takes a refusing instance out
            // of rotation much as an ALB health check would, only quicker.
            servers.append("        server 127.0.0.1:").append(upstreamPort).append(";\n");
        }
        String conf = ""
                + "# Written by NginxBalancer: a round-robin ALB stand-in for the cluster tests.\n"
                + "daemon off;\n"
                + "master_process on;\n"
                + "worker_processes 1;\n"
                // As root nginx would hand its worker to nobody, who may not read or write target/.
                + (runningAsRoot() ? "user root;\n" : "")
                + "pid " + d + "/nginx.pid;\n"
                + "error_log " + d + "/error.log notice;\n"
                // A graceful stop must not wait for long polls and WebSockets that never end by themselves.
                + "worker_shutdown_timeout 2s;\n"
                + "events {\n"
                + "    worker_connections 1024;\n"
                + "}\n"
                + "http {\n"
                + "    client_body_temp_path " + d + "/client_body;\n"
                + "    proxy_temp_path " + d + "/proxy;\n"
                + "    fastcgi_temp_path " + d + "/fastcgi;\n"
                + "    uwsgi_temp_path " + d + "/uwsgi;\n"
                + "    scgi_temp_path " + d + "/scgi;\n"
                + "    log_format balancer '$upstream_addr" + LOG_SEPARATOR + "$status" + LOG_SEPARATOR
                + "$request_method $request_uri';\n"
                + "    access_log " + d + "/access.log balancer;\n"
                + "\n"
                // WebSocket: forward the client's Upgrade; otherwise send no Connection header, which
                // keeps the upstream connection reusable (keepalive) instead of nginx's default 'close'.
                + "    map $http_upgrade $connection_upgrade {\n"
                + "        default upgrade;\n"
                + "        '' '';\n"
                + "    }\n"
                + "\n"
                + "    upstream proxies {\n"
                + servers
                + "        keepalive 32;\n"
                + "    }\n"
                + "\n"
                + "    server {\n"
                + "        listen 127.0.0.1:" + port + ";\n"
                + "        server_name _;\n"
                // Large cookies and bearer tokens must pass, as through an ALB; same for large response headers.
                + "        large_client_header_buffers 4 64k;\n"
                + "        proxy_buffer_size 64k;\n"
                // nginx insists the (unused, buffering is off) buffers stay larger than the busy share 64k implies.
                + "        proxy_buffers 8 64k;\n"
                + "        proxy_busy_buffers_size 128k;\n"
                // An ALB passes header names with underscores; nginx drops them by default.
                + "        underscores_in_headers on;\n"
                // Streamed bodies both ways, of any size: nothing is held back or spooled to disk.
                + "        client_max_body_size 0;\n"
                + "        proxy_request_buffering off;\n"
                + "        proxy_buffering off;\n"
                + "        proxy_http_version 1.1;\n"
                + "        chunked_transfer_encoding on;\n"
                // Long polls and long streams must outlive nginx's 60 s defaults.
                + "        proxy_connect_timeout 5s;\n"
                + "        proxy_read_timeout 300s;\n"
                + "        proxy_send_timeout 300s;\n"
                + "        client_body_timeout 300s;\n"
                + "        send_timeout 300s;\n"
                // Pass a request on only when an instance failed or timed out before answering; nginx
                // never passes on a non-idempotent method (POST, PATCH) once sent to an instance, and,
                // with request buffering off, no request whose body it has begun to send. Two tries let
                // a killed instance's refusal be answered by another, as an ALB's health checks do.
                + "        proxy_next_upstream error timeout;\n"
                + "        proxy_next_upstream_tries 2;\n"
                + "\n"
                + "        location / {\n"
                + "            proxy_pass http://proxies;\n"
                // An ALB rewrites no Location headers.
                + "            proxy_redirect off;\n"
                + "            proxy_set_header Host $http_host;\n"
                + "            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                + "            proxy_set_header X-Forwarded-Proto $scheme;\n"
                + "            proxy_set_header Upgrade $http_upgrade;\n"
                + "            proxy_set_header Connection $connection_upgrade;\n"
                + "        }\n"
                + "    }\n"
                + "}\n";
        Path file = directory.resolve("nginx.conf");
        Files.writeString(file, conf, StandardCharsets.UTF_8);
        return file;
    }

    private static boolean runningAsRoot() {
        try {
            // /proc/self belongs to the effective user of this JVM.
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
