package net.invertingproxy.proxy.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import net.invertingproxy.proxy.standalone.EmbeddedProxy.Options;

class EmbeddedProxyTest {
    private static final Path WEBAPP = Path.of("src/main/webapp");
    private static final String PARAMETER_WEB_XML = """
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0" metadata-complete="true">
              <context-param>
                <param-name>greeting</param-name>
                <param-value>from web.xml</param-value>
              </context-param>
              <servlet>
                <servlet-name>parameter</servlet-name>
                <servlet-class>net.invertingproxy.proxy.standalone.InitParameterServlet</servlet-class>
              </servlet>
              <servlet-mapping>
                <servlet-name>parameter</servlet-name>
                <url-pattern>/parameter</url-pattern>
              </servlet-mapping>
              <servlet>
                <servlet-name>throwing</servlet-name>
                <servlet-class>net.invertingproxy.proxy.standalone.ThrowingServlet</servlet-class>
              </servlet>
              <servlet-mapping>
                <servlet-name>throwing</servlet-name>
                <url-pattern>/throwing</url-pattern>
              </servlet-mapping>
              <servlet>
                <servlet-name>parking</servlet-name>
                <servlet-class>net.invertingproxy.proxy.standalone.ParkingServlet</servlet-class>
                <async-supported>true</async-supported>
              </servlet>
              <servlet-mapping>
                <servlet-name>parking</servlet-name>
                <url-pattern>/parking</url-pattern>
              </servlet-mapping>
              <listener>
                <listener-class>net.invertingproxy.proxy.standalone.DrainPublishingListener</listener-class>
              </listener>
            </web-app>
            """;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private EmbeddedProxy proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.stop();
        }
    }

    @Test
    void servesTheRealWebappAtTheRootWithoutNamingTheServer() throws Exception {
        proxy = EmbeddedProxy.start(Options.of(WEBAPP));

        HttpResponse<String> response = get(proxy.baseUri().resolve("/healthz"));

        assertEquals(200, response.statusCode());
        assertFalse(response.headers().firstValue("Server").isPresent(), response.headers().toString());
        assertTrue(proxy.port() > 0);
        assertEquals(URI.create("http://127.0.0.1:" + proxy.port() + "/"), proxy.baseUri());
    }

    @Test
    void initParametersWinOverWebXml(@TempDir Path webapp) throws Exception {
        writeWebXml(webapp);
        proxy = EmbeddedProxy.start(Options.of(webapp).withInitParameter("greeting", "from the command line"));

        assertEquals("from the command line", get(proxy.baseUri().resolve("/parameter?name=greeting")).body());
    }

    @Test
    void webXmlParametersStayWhenNotOverridden(@TempDir Path webapp) throws Exception {
        writeWebXml(webapp);
        proxy = EmbeddedProxy.start(Options.of(webapp).withInitParameter("other", "x"));

        assertEquals("from web.xml", get(proxy.baseUri().resolve("/parameter?name=greeting")).body());
        assertEquals("x", get(proxy.baseUri().resolve("/parameter?name=other")).body());
    }

    @Test
    void aHeaderBlockOverTheLimitGets431(@TempDir Path webapp) throws Exception {
        writeWebXml(webapp);
        proxy = EmbeddedProxy.start(Options.of(webapp).withMaxHeaderBytes(1024));

        HttpRequest request = HttpRequest.newBuilder(proxy.baseUri().resolve("/parameter?name=greeting"))
                .header("X-Padding", "x".repeat(2048)).build();

        assertEquals(431, client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void errorPagesShowNoStackTrace(@TempDir Path webapp) throws Exception {
        writeWebXml(webapp);
        proxy = EmbeddedProxy.start(Options.of(webapp));

        HttpResponse<String> response = get(proxy.baseUri().resolve("/throwing"));

        assertEquals(500, response.statusCode());
        assertFalse(response.body().contains("ThrowingServlet.doGet"), response.body());
    }

    @Test
    void stoppingRunsTheWebappsDrainSoHeldRequestsAreAnsweredNotCutOff(@TempDir Path webapp) throws Exception {
        writeWebXml(webapp);
        proxy = EmbeddedProxy.start(Options.of(webapp).withStopTimeout(Duration.ofSeconds(20)));
        CompletableFuture<HttpResponse<String>> held = client.sendAsync(
                HttpRequest.newBuilder(proxy.baseUri().resolve("/parking")).build(), HttpResponse.BodyHandlers.ofString());
        awaitParked();

        long started = System.nanoTime();
        proxy.stop();

        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(5), "stop waited for the stop timeout");
        HttpResponse<String> response = held.get(5, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        assertEquals("drained", response.body());
    }

    @Test
    void aWebappThatFailsToStartFailsTheStart() {
        Options badSetting = Options.of(WEBAPP).withInitParameter("poll-hold-seconds", "soon");

        Exception failure = assertThrows(Exception.class, () -> proxy = EmbeddedProxy.start(badSetting));

        assertTrue(mentions(failure, "poll-hold-seconds"), failure::toString);
    }

    @Test
    void aTakenPortFailsTheStart() throws Exception {
        proxy = EmbeddedProxy.start(Options.of(WEBAPP));

        assertThrows(IOException.class, () -> EmbeddedProxy.start(Options.of(WEBAPP).withPort(proxy.port())));
    }

    private static void awaitParked() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ParkingServlet.PARKED.isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "the request was never parked");
            Thread.sleep(10);
        }
    }

    private static boolean mentions(Throwable failure, String text) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(text)) {
                return true;
            }
        }
        return false;
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void writeWebXml(Path webapp) throws IOException {
        Files.createDirectories(webapp.resolve("WEB-INF"));
        Files.writeString(webapp.resolve("WEB-INF/web.xml"), PARAMETER_WEB_XML);
    }
}
