package net.invertingproxy.protocol;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;

/**
 * The wire format of {@code POST agent/login} (our extension): an agent proves its AWS identity with
 * the headers of an {@code sts:GetCallerIdentity} request it signed with SigV4, and gets a
 * short-lived session credential for its later calls. The request itself is fixed here, so that the
 * agent signs exactly what the proxy rebuilds and sends to STS.
 */
public final class AgentLogin {
    /** The login call, relative to the proxy URL. */
    public static final String PATH = "agent/login";
    /** Signed by the agent, checked by the proxy: the server the login is meant for, so it cannot be replayed at another. */
    public static final String SERVER_ID_HEADER = "X-Inverting-Proxy-Server-ID";
    /** The signed request's method. */
    public static final String STS_METHOD = "POST";
    /** The signed request's body. */
    public static final String STS_BODY = "Action=GetCallerIdentity&Version=2011-06-15";
    /** The signed request's content type, sent by the proxy exactly so. */
    public static final String STS_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8";
    /** The only headers of the signed request the proxy passes on to STS, in this spelling. */
    public static final List<String> FORWARDED_HEADERS = List.of("Authorization", "X-Amz-Date",
            "X-Amz-Security-Token", "X-Amz-Content-Sha256", SERVER_ID_HEADER);
    /** The largest login body a proxy reads: four headers of a few KiB at most (a session token is ~1-2 KiB). */
    public static final int MAX_BODY_BYTES = 32 * 1024;

    private static final Gson GSON = new GsonBuilder().setStrictness(Strictness.STRICT).disableHtmlEscaping().create();

    private AgentLogin() {
    }

    /** STS's regional endpoint, which the agent signs for and the proxy sends to. */
    public static URI stsEndpoint(String region) {
        return URI.create("https://sts." + region + ".amazonaws.com/");
    }

    /** The login body: the signed request's headers that the proxy passes on, by their names in {@link #FORWARDED_HEADERS}. */
    public record Request(Map<String, String> stsHeaders) {
        /** Keeps only the forwarded headers, named as in {@link #FORWARDED_HEADERS}, whatever case they came in. */
        public Request {
            Map<String, String> kept = new LinkedHashMap<>();
            for (String name : FORWARDED_HEADERS) {
                for (Map.Entry<String, String> header : stsHeaders.entrySet()) {
                    if (header.getKey().equalsIgnoreCase(name) && header.getValue() != null) {
                        kept.put(name, header.getValue());
                    }
                }
            }
            stsHeaders = Map.copyOf(kept);
        }

        /** The header's value, or null. */
        public String header(String name) {
            for (Map.Entry<String, String> header : stsHeaders.entrySet()) {
                if (header.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                    return header.getValue();
                }
            }
            return null;
        }

        /** As JSON: {@code {"stsHeaders": {"Authorization": "AWS4-HMAC-SHA256 ...", ...}}}. */
        public String toJson() {
            JsonObject headers = new JsonObject();
            new java.util.TreeMap<>(stsHeaders).forEach(headers::addProperty);
            JsonObject body = new JsonObject();
            body.add("stsHeaders", headers);
            return GSON.toJson(body);
        }

        /** Reads a login body; names other than the forwarded ones are dropped. */
        public static Request parse(String json) throws MalformedMessageException {
            try {
                JsonObject body = GSON.fromJson(json, JsonObject.class);
                JsonElement headers = body == null ? null : body.get("stsHeaders");
                if (headers == null || !headers.isJsonObject()) {
                    throw new MalformedMessageException("login body must be {\"stsHeaders\": {...}}");
                }
                Map<String, String> values = new LinkedHashMap<>();
                for (Map.Entry<String, JsonElement> header : headers.getAsJsonObject().entrySet()) {
                    if (!header.getValue().isJsonPrimitive() || !header.getValue().getAsJsonPrimitive().isString()) {
                        throw new MalformedMessageException("login header " + header.getKey() + " must be a string");
                    }
                    values.put(header.getKey(), header.getValue().getAsString());
                }
                return new Request(values);
            } catch (JsonParseException | IllegalStateException e) {
                throw new MalformedMessageException("login body is not JSON: " + e.getMessage(), e);
            }
        }
    }

    /** The proxy's answer: the session credential to send as {@code Authorization: Bearer} and how long it is valid. */
    public record Answer(String credential, long expiresInSeconds) {
        /** As JSON: {@code {"credential": "ips_...", "expiresInSeconds": 900}}. */
        public String toJson() {
            JsonObject body = new JsonObject();
            body.addProperty("credential", credential);
            body.addProperty("expiresInSeconds", expiresInSeconds);
            return GSON.toJson(body);
        }

        /** Reads the proxy's answer. */
        public static Answer parse(String json) throws MalformedMessageException {
            try {
                JsonObject body = GSON.fromJson(json, JsonObject.class);
                if (body == null || !body.has("credential") || !body.has("expiresInSeconds")) {
                    throw new MalformedMessageException("login answer lacks credential or expiresInSeconds");
                }
                return new Answer(body.get("credential").getAsString(), body.get("expiresInSeconds").getAsLong());
            } catch (JsonParseException | IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
                throw new MalformedMessageException("login answer is not JSON: " + e.getMessage(), e);
            }
        }
    }
}
