package net.invertingproxy.proxy.admin;

import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;

import com.google.gson.JsonElement;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import net.invertingproxy.proxy.registry.InvalidBackendException;
import net.invertingproxy.proxy.registry.JsonTree;
import net.invertingproxy.proxy.registry.RecordFault;
import net.invertingproxy.proxy.registry.RegistryJson;

/**
 * The admin API's JSON, by the registry file's rules: a body the file would refuse (an unknown
 * field such as a misspelled {@code "acess"}, an unknown access mode, a field named twice) is
 * refused here too, rather than stored and then refused at the next start. Answers are written as
 * the file is.
 */
final class AdminJson {
    private AdminJson() {
    }

    static String write(Object value) {
        return RegistryJson.GSON.toJson(value) + "\n";
    }

    /** Reads the body as one JSON object of {@code type}; anything else says why in one line. */
    static <T extends Record> T read(String body, Class<T> type) throws InvalidBodyException {
        JsonElement tree = tree(body);
        try {
            return RegistryJson.GSON.getAdapter(type).fromJsonTree(tree);
        } catch (RecordFault fault) {
            throw new InvalidBodyException(fault.describe());
        }
    }

    // The whole syntax first, so a body cut short is reported as that and not as a missing field.
    private static JsonElement tree(String body) throws InvalidBodyException {
        JsonReader in = RegistryJson.GSON.newJsonReader(new StringReader(body));
        try {
            if (first(in) != JsonToken.BEGIN_OBJECT) {
                throw new InvalidBodyException("the body must be a JSON object");
            }
            JsonElement tree = JsonTree.read(in);
            if (!endsHere(in)) {
                throw new InvalidBodyException("the body holds data after the JSON object");
            }
            return tree;
        } catch (InvalidBackendException e) {
            // A field named twice, or a number longer than any a record holds.
            throw new InvalidBodyException(e.getMessage());
        } catch (IOException e) {
            throw new InvalidBodyException(MalformedJson.reason(e));
        }
    }

    private static JsonToken first(JsonReader in) throws IOException, InvalidBodyException {
        try {
            return in.peek();
        } catch (EOFException e) {
            throw new InvalidBodyException("the body is empty; it must be a JSON object");
        }
    }

    private static boolean endsHere(JsonReader in) {
        try {
            return in.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException e) {
            // A strict reader throws for anything but white space after the first value, so its
            // syntax complaint (that lenient parsing would take a second value) is not the point.
            return false;
        }
    }
}
