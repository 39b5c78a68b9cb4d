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
