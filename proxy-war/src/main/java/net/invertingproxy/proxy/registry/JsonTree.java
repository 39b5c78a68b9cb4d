package net.invertingproxy.proxy.registry;

import java.io.IOException;
import java.math.BigDecimal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

/** Reads one JSON value into a tree, refusing an object that names a field twice, which Gson's own tree would allow. */
public final class JsonTree {
    // Longer is no number a backend record holds, and BigDecimal takes quadratic time on very long ones.
    private static final int MAX_NUMBER_LENGTH = 100;

    private JsonTree() {
    }

    /**
     * The next value of {@code in}; a repeated field name or an overlong number throws
     * {@link InvalidBackendException}. Gson would keep the last of a repeated field silently; the
     * reader's nesting limit bounds the recursion.
     */
    public static JsonElement read(JsonReader in) throws IOException {
        JsonToken token = in.peek();
        switch (token) {
            case BEGIN_OBJECT:
                return readObject(in);
            case BEGIN_ARRAY:
                JsonArray array = new JsonArray();
                in.beginArray();
                while (in.hasNext()) {
                    array.add(read(in));
                }
                in.endArray();
                return array;
            case STRING:
                return new JsonPrimitive(in.nextString());
            case NUMBER:
                String number = in.nextString();
                if (number.length() > MAX_NUMBER_LENGTH) {
                    throw new InvalidBackendException("a number of " + number.length() + " characters" + where(in));
                }
                try {
                    return new JsonPrimitive(new BigDecimal(number));
                } catch (NumberFormatException e) {
                    // An exponent beyond an int, such as 0e4111111111 (found by fuzzing the admin API).
                    throw new InvalidBackendException("a number out of range" + where(in));
                }
            case BOOLEAN:
                return new JsonPrimitive(in.nextBoolean());
            case NULL:
                in.nextNull();
                return JsonNull.INSTANCE;
            default:
                throw new IllegalStateException("no value starts with " + token + where(in));
        }
    }

    private static JsonObject readObject(JsonReader in) throws IOException {
        JsonObject object = new JsonObject();
        in.beginObject();
        while (in.hasNext()) {
            String name = in.nextName();
            if (object.has(name)) {
                throw new InvalidBackendException("field \"" + name + "\" appears twice" + where(in));
            }
            object.add(name, read(in));
        }
        in.endObject();
        return object;
    }

    /** Where {@code in} is, as " at line 3 column 5 path $.backends[0]". */
    static String where(JsonReader in) {
        String reader = in.toString();
        int at = reader.indexOf(" at ");
        return at < 0 ? "" : reader.substring(at);
    }

    /** A token in words, for messages. */
    static String describe(JsonToken token) {
        switch (token) {
            case BEGIN_OBJECT:
                return "an object";
            case BEGIN_ARRAY:
                return "a list";
            case STRING:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "true/false";
            case NULL:
                return "null";
            default:
                return token.toString();
        }
    }

    /** A value in words, for messages: its kind, and itself if it is short. */
    static String describe(JsonElement value) {
        if (value.isJsonObject()) {
            return "an object";
        }
        if (value.isJsonArray()) {
            return "a list";
        }
        String text = value.toString();
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
