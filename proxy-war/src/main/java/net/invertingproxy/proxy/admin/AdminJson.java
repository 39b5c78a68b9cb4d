package net.invertingproxy.proxy.admin;

import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

import net.invertingproxy.proxy.registry.InvalidBackendException;

/** The admin API's JSON: strict parsing (no comments, no trailing data), instants as ISO-8601, pretty output. */
final class AdminJson {
    private static final Gson GSON = new GsonBuilder()
            .registerTypeAdapter(Instant.class, new InstantAdapter().nullSafe())
            .setStrictness(Strictness.STRICT)
            .disableHtmlEscaping()
            .setPrettyPrinting()
            .create();

    private AdminJson() {
    }

    static String write(Object value) {
        return GSON.toJson(value) + "\n";
    }

    /** Parses one JSON object of {@code type}; a syntax or rule violation is an {@link InvalidBackendException}. */
    static <T> T read(String json, Class<T> type) {
        try (JsonReader reader = new JsonReader(new StringReader(json))) {
            reader.setStrictness(Strictness.STRICT);
            if (reader.peek() != JsonToken.BEGIN_OBJECT) {
                throw new InvalidBackendException("the body must be a JSON object");
            }
            T value = GSON.fromJson(reader, type);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new InvalidBackendException("the body holds data after the JSON object");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw explained(e);
        }
    }

    // Gson wraps what a record's constructor throws; the rule it broke is the message worth giving.
    private static InvalidBackendException explained(Exception e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidBackendException invalid) {
                return invalid;
            }
            if (cause instanceof NullPointerException missing && missing.getMessage() != null) {
                return new InvalidBackendException(missing.getMessage() + " is required");
            }
        }
        return new InvalidBackendException("malformed JSON: " + oneLine(e.getMessage()));
    }

    private static String oneLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** Instants as ISO-8601 text. */
    private static final class InstantAdapter extends TypeAdapter<Instant> {
        @Override
        public void write(JsonWriter out, Instant value) throws IOException {
            out.value(value.toString());
        }

        @Override
        public Instant read(JsonReader in) throws IOException {
            String text = in.nextString();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw new JsonParseException("not an ISO-8601 instant: " + text);
            }
        }
    }
}
