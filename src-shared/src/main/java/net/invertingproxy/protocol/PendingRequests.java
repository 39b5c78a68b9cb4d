package net.invertingproxy.protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.GsonBuilder;
import com.google.gson.Strictness;

/**
 * The answer to {@code GET agent/pending}: a JSON array of request IDs. The Go proxy answers
 * {@code null} when its poll times out and the Go agent also accepts an empty body, so all three
 * read as an empty list. In the inline poll mode (see {@link WireHeaders#POLL_MODE}) an entry may
 * instead be an object {@code {"id": ..., "message": ..., "userId": ...}} carrying the request.
 */
public record PendingRequests(List<PendingRequest> requests) {
    /** The largest answer an agent reads, as in the Go agent, so a broken proxy cannot exhaust its memory. */
    public static final int MAX_ANSWER_BYTES = 1 << 20;

    // Strict: a proxy that answers something that is not JSON is broken, and guessing hides it.
    private static final Gson GSON = new GsonBuilder().setStrictness(Strictness.STRICT).disableHtmlEscaping().create();

    /** Copies the list so the record stays immutable. */
    public PendingRequests {
        requests = List.copyOf(requests);
    }

    /** The empty answer. */
    public static PendingRequests none() {
        return new PendingRequests(Collections.emptyList());
    }

    /** An answer of IDs only, as the Go proxy gives. */
    public static PendingRequests ofIds(List<String> requestIds) {
        List<PendingRequest> requests = new ArrayList<>(requestIds.size());
        requestIds.forEach(id -> requests.add(PendingRequest.toRead(id)));
        return new PendingRequests(requests);
    }

    /** The IDs of every entry, inline or not. */
    public List<String> requestIds() {
        return requests.stream().map(PendingRequest::id).toList();
    }

    /** The JSON text of this answer: a plain string for each entry the agent must read. */
    public String toJson() {
        JsonArray array = new JsonArray(requests.size());
        for (PendingRequest request : requests) {
            if (request.isInline()) {
                JsonObject entry = new JsonObject();
                entry.addProperty("id", request.id());
                entry.addProperty("message", request.message());
                if (request.userId() != null) {
                    entry.addProperty("userId", request.userId());
                }
                array.add(entry);
            } else {
                array.add(request.id());
            }
        }
        return GSON.toJson(array);
    }

    /** Parses an answer; throws {@link MalformedMessageException} for anything but such an array, {@code null} or nothing. */
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
            return new PendingRequests(entriesOf(element.getAsJsonArray()));
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new MalformedMessageException("pending answer is not valid JSON: " + e.getMessage());
        }
    }

    private static List<PendingRequest> entriesOf(JsonArray array) throws MalformedMessageException {
        List<PendingRequest> entries = new ArrayList<>(array.size());
        for (JsonElement element : array) {
            if (element.isJsonPrimitive() && element.getAsJsonPrimitive().isString()) {
                entries.add(PendingRequest.toRead(element.getAsString()));
            } else if (element.isJsonObject()) {
                entries.add(inlineEntry(element.getAsJsonObject()));
            } else {
                throw new MalformedMessageException("pending answer holds an entry that is neither a request ID nor a request");
            }
        }
        return entries;
    }

    private static PendingRequest inlineEntry(JsonObject entry) throws MalformedMessageException {
        String id = stringField(entry, "id");
        String message = stringField(entry, "message");
        if (id == null || message == null) {
            throw new MalformedMessageException("pending answer holds a request without its id or message");
        }
        return new PendingRequest(id, message, stringField(entry, "userId"));
    }

    private static String stringField(JsonObject entry, String name) throws MalformedMessageException {
        JsonElement value = entry.get(name);
        if (value == null || value.isJsonNull()) {
            return null;
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new MalformedMessageException("pending answer: field " + name + " is not a string");
        }
        return value.getAsString();
    }
}
