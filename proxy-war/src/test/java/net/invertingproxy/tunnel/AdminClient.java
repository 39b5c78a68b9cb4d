package net.invertingproxy.tunnel;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** Calls the proxy's admin API as an operator would, with curl-like plain HTTP and JSON. */
public final class AdminClient {
    /** One admin answer: its status and body. */
    public record Answer(int status, String body, HttpResponse<String> response) {
        /** The body as a JSON object. */
        public JsonObject json() {
            return JsonParser.parseString(body).getAsJsonObject();
        }
    }

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A client of the admin API at {@code proxyBase} (ending in /) using {@code token}. */
    public AdminClient(URI proxyBase, String token) {
        this.base = proxyBase;
        this.token = token;
    }

    /** Sends {@code method path} with an optional JSON body and the admin token (none if null). */
    public Answer call(String method, String path, String json, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path.startsWith("/") ? path.substring(1) : path))
                .timeout(Duration.ofSeconds(10))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(), response);
    }

    /** Sends with the admin token. */
    public Answer call(String method, String path, String json) throws IOException, InterruptedException {
        return call(method, path, json, token);
    }

    /** Creates a backend and returns the agent credential issued for it; fails unless the answer is 201. */
    public JsonObject create(String json) throws IOException, InterruptedException {
        Answer answer = call("POST", "/api/backends", json);
        if (answer.status() != 201) {
            throw new AssertionError("creating a backend gave " + answer.status() + ": " + answer.body());
        }
        return answer.json();
    }

    /** The agent credential in a create answer. */
    public static String agentCredential(JsonObject created) {
        return created.getAsJsonObject("secrets").get("agentCredential").getAsString();
    }
}
