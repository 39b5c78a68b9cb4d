package net.invertingproxy.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real HTTP backend on loopback. Each test installs the behaviour it needs; every request the
 * backend receives is recorded (its body only up to a small size) for the test to inspect.
 */
public final class TestBackend implements AutoCloseable {
    /** What the backend does with one request. */
    @FunctionalInterface
    public interface Behaviour {
        void handle(HttpServletRequest request, HttpServletResponse response, RecordedRequest recorded) throws Exception;
    }

    /** A request as the backend saw it. */
    public record RecordedRequest(String method, String target, List<Map.Entry<String, String>> headers, String remoteAddress) {
        public List<String> headerValues(String name) {
            List<String> values = new ArrayList<>();
            for (Map.Entry<String, String> header : headers) {
                if (header.getKey().equalsIgnoreCase(name)) {
                    values.add(header.getValue());
                }
            }
            return values;
        }

        public String header(String name) {
            List<String> values = headerValues(name);
            return values.isEmpty() ? null : values.get(0);
        }
    }

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(backendHttpConfiguration()));
    private final BlockingQueue<RecordedRequest> received = new LinkedBlockingQueue<>();
    private volatile Behaviour behaviour = (request, response, recorded) -> response.setStatus(204);

    public TestBackend() throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.getServletHandler().setDecodeAmbiguousURIs(true);
        context.addServlet(new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                RecordedRequest recorded = record(request);
                received.add(recorded);
                try {
                    behaviour.handle(request, response, recorded);
                } catch (IOException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
        }), "/");
        server.setHandler(context);
        server.start();
    }

    // Like many real backends, this one accepts encoded slashes and large headers, so the tests
    // can show that the tunnel passes them on.
    private static HttpConfiguration backendHttpConfiguration() {
        HttpConfiguration http = new HttpConfiguration();
        http.setUriCompliance(UriCompliance.UNSAFE);
        http.setResponseHeaderSize(65536);
        http.setRequestHeaderSize(65536);
        return http;
    }

    public void behave(Behaviour behaviour) {
        this.behaviour = behaviour;
    }

    /** Forgets the requests recorded so far, so a test sees only its own. */
    public void forgetRequests() {
        received.clear();
    }

    public Behaviour currentBehaviour() {
        return behaviour;
    }

    public String hostAndPort() {
        return "127.0.0.1:" + connector.getLocalPort();
    }

    public URI uri(String target) {
        return URI.create("http://" + hostAndPort() + target);
    }

    /** The next request the backend received, waiting up to ten seconds. */
    public RecordedRequest nextRequest() throws InterruptedException {
        RecordedRequest request = received.poll(10, TimeUnit.SECONDS);
        if (request == null) {
            throw new AssertionError("the backend received no request within 10 s");
        }
        return request;
    }

    /** A request received within the given time, or null. */
    public RecordedRequest pollRequest(long millis) throws InterruptedException {
        return received.poll(millis, TimeUnit.MILLISECONDS);
    }

    public static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    private static RecordedRequest record(HttpServletRequest request) {
        String target = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            for (String value : Collections.list(request.getHeaders(name))) {
                headers.add(Map.entry(name, value));
            }
        }
        return new RecordedRequest(request.getMethod(), target, headers, request.getRemoteAddr());
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
