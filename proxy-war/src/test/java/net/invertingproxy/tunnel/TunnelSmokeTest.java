package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.Test;

class TunnelSmokeTest {
    @Test
    void getThroughTheTunnel() throws Exception {
        try (Tunnel tunnel = Tunnel.start()) {
            tunnel.backend.behave((request, response, recorded) -> {
                response.setStatus(200);
                response.setContentType("text/plain");
                response.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
            });
            String body = tunnel.client.execute(new HttpGet(tunnel.uri("/hello")),
                    response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()));
            assertEquals("200 hello", body);
        }
    }
}
