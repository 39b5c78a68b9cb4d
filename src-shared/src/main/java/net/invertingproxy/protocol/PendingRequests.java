package net.invertingproxy.protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.GsonBuilder;
import com.google.gson.Strictness;

/**
 * The answer to {@code GET agent/pending}: a JSON array of request IDs. The Go proxy answers
 * {@code null} when its poll times out and the Go agent also accepts an empty body, so all three
 * read as an empty list.
 */
public record PendingRequests(List<String> requestIds) {
    /** The largest answer an agent reads, as in the Go agent, so a broken proxy cannot exhaust its memory. */
    public static final int MAX_ANSWER_BYTES = 1 << 20;

    // Strict: a proxy that answers something that is not JSON is broken, and guessing hides it.
    private static final Gson GSON = new GsonBuilder().setStrictness(Strictness.STRICT).create();

    /** Copies the list so the record stays immutable. */
    public PendingRequests {
        requestIds = List.copyOf(requestIds);
    }

    /** The empty answer. */
    public static PendingRequests none() {
        return new PendingRequests(Collections.emptyList());
    }

    /** The JSON text of this answer. */
    public String toJson() {
        return GSON.toJson(requestIds);
    }

    /** Parses an answer; throws {@link MalformedMessageException} for anything but an array of strings, {@code null} or nothing. */
    public static PendingRequests parse(String json) throws MalformedMessageException {
        if (json == null || json.isBlank()) {
            return none();
        }
        try {
            JsonElement element = GSON.fromJson(json, JsonElement.class);
            if (element == null || element.isJsonNull()) {
                return none();
            }
            if (!element.isJsonArray()) {
                throw new MalformedMessageException("pending answer is not a JSON array");
            }
            return new PendingRequests(idsOf(element.getAsJsonArray()));
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new MalformedMessageException("pending answer is not valid JSON: " + e.getMessage());
        }
    }

    private static List<String> idsOf(JsonArray array) throws MalformedMessageException {
        List<String> ids = new ArrayList<>(array.size());
        for (JsonElement element : array) {
            if (!element.isJsonPrimitive() || !element.getAsJsonPrimitive().isString()) {
                throw new MalformedMessageException("pending answer holds a non-string request ID");
            }
            ids.add(element.getAsString());
        }
        return ids;
    }
}
