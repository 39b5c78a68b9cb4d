package net.invertingproxy.proxy.access;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

/** Reads a token part as one JSON object, strictly: valid UTF-8, RFC 8259 syntax, nothing after it. */
final class StrictJson {
    private StrictJson() {
    }

    /** The object, or {@link IllegalArgumentException} when the bytes are anything else. */
    static JsonObject parseObject(byte[] utf8) {
        try {
            // A fresh decoder reports bytes that are not UTF-8 where new String(...) would replace them.
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(utf8)).toString();
            // Gson is lenient by default (comments, unquoted names); a signed token has no reason to be.
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            JsonElement element = JsonParser.parseReader(reader);
            if (!element.isJsonObject() || reader.peek() != JsonToken.END_DOCUMENT) {
                throw new IllegalArgumentException("not one JSON object");
            }
            return element.getAsJsonObject();
        } catch (JsonParseException | IOException e) { // not UTF-8 is a CharacterCodingException, an IOException
            throw new IllegalArgumentException("not one JSON object", e);
        }
    }

    /** The member {@code name} if it is a JSON string, else null. */
    static String string(JsonObject object, String name) {
        JsonElement member = object.get(name);
        if (member instanceof JsonPrimitive primitive && primitive.isString()) {
            return primitive.getAsString();
        }
        return null;
    }
}
