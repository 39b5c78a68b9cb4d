package net.invertingproxy.proxy.cluster;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import net.invertingproxy.tunnel.TestBackend;

/**
 * What the cluster tests' backend does: {@code /echo/...} answers its own target, {@code /upload}
 * answers the size and SHA-256 of the body it streamed in, {@code /download/N} streams N bytes
 * that {@link #expectedDigest} predicts, {@code /slow/MILLIS} answers after a pause.
 */
final class ClusterBackend {
    private ClusterBackend() {
    }

    /** The behaviour to install on a {@link TestBackend}. */
    static TestBackend.Behaviour behaviour() {
        return (request, response, recorded) -> {
            String target = request.getRequestURI();
            if (target.startsWith("/upload")) {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                long bytes = 0;
                byte[] buffer = new byte[64 * 1024];
                InputStream in = request.getInputStream();
                int read;
                while ((read = in.read(buffer)) != -1) {
                    digest.update(buffer, 0, read);
                    bytes += read;
                }
                text(response, 200, "bytes=" + bytes + " sha256=" + HexFormat.of().formatHex(digest.digest()));
            } else if (target.startsWith("/download/")) {
                long length = Long.parseLong(target.substring("/download/".length()));
                response.setStatus(200);
                response.setContentType("application/octet-stream");
                response.setContentLengthLong(length);
                OutputStream out = response.getOutputStream();
                Random random = new Random(length);
                byte[] buffer = new byte[64 * 1024];
                for (long left = length; left > 0; ) {
                    random.nextBytes(buffer);
                    int n = (int) Math.min(buffer.length, left);
                    out.write(buffer, 0, n);
                    left -= n;
                }
            } else if (target.startsWith("/slow/")) {
                Thread.sleep(Long.parseLong(target.substring("/slow/".length())));
                text(response, 200, "slept");
            } else {
                text(response, 200, "target=" + target);
            }
        };
    }

    /** Streams {@code mebibytes} MiB (one random MiB repeated) to {@code /upload}; asserts the backend got them whole. */
    static void assertUploadArrivesWhole(java.net.http.HttpClient client, java.net.URI upload, int mebibytes)
            throws Exception {
        byte[] chunk = new byte[1024 * 1024];
        new Random(mebibytes).nextBytes(chunk);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < mebibytes; i++) {
            sent.update(chunk);
        }
        java.net.http.HttpResponse<String> answer = client.send(java.net.http.HttpRequest.newBuilder(upload)
                        .timeout(java.time.Duration.ofSeconds(120))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                                () -> new ClusterTunnelTest.RepeatedStream(chunk, mebibytes))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        org.junit.jupiter.api.Assertions.assertEquals(200, answer.statusCode(), answer.body());
        org.junit.jupiter.api.Assertions.assertEquals("bytes=" + (long) mebibytes * 1024 * 1024 + " sha256="
                + HexFormat.of().formatHex(sent.digest()), answer.body());
    }

    /** Streams {@code /download/N} and asserts it arrives whole: length and digest. */
    static void assertDownloadArrivesWhole(java.net.http.HttpClient client, java.net.URI base, long length)
            throws Exception {
        java.net.http.HttpResponse<InputStream> download = client.send(java.net.http.HttpRequest.newBuilder(
                        base.resolve("/download/" + length)).timeout(java.time.Duration.ofSeconds(120)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        org.junit.jupiter.api.Assertions.assertEquals(200, download.statusCode());
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        long bytes = 0;
        try (InputStream body = download.body()) {
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = body.read(buffer)) != -1) {
                received.update(buffer, 0, read);
                bytes += read;
            }
        }
        org.junit.jupiter.api.Assertions.assertEquals(length, bytes);
        org.junit.jupiter.api.Assertions.assertEquals(expectedDigest(length), HexFormat.of().formatHex(received.digest()));
    }

    /** The SHA-256 of what {@code /download/N} sends. */
    static String expectedDigest(long length) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        Random random = new Random(length);
        byte[] buffer = new byte[64 * 1024];
        for (long left = length; left > 0; ) {
            random.nextBytes(buffer);
            int n = (int) Math.min(buffer.length, left);
            digest.update(buffer, 0, n);
            left -= n;
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void text(jakarta.servlet.http.HttpServletResponse response, int status, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType("text/plain");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
