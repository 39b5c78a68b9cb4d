package net.invertingproxy.proxy.registry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import com.google.gson.stream.MalformedJsonException;

/**
 * The registry document, {@code {"version": 1, "backends": [...]}}, read and written one backend at
 * a time so memory holds the records, never the whole text. Syntax faults and read failures leave as
 * the reader's {@link IOException}s; faults of shape and content as {@link RegistryFileException}s.
 */
final class RegistryDocument {
    /** The format this proxy reads and writes. */
    static final int VERSION = 1;
    private static final TypeAdapter<Backend> BACKEND = RegistryJson.GSON.getAdapter(Backend.class);
    private static final String SHAPE = "{\"version\": " + VERSION + ", \"backends\": [...]}";

    private final RegistrySource source;
    private final BackendIds ids = new BackendIds();
    private final List<Backend> backends = new ArrayList<>();
    // Backends that come before "version" wait for it, since the version says how to read them.
    private final List<JsonElement> early = new ArrayList<>();
    private boolean versionSeen;
    private boolean backendsSeen;

    private RegistryDocument(RegistrySource source) {
        this.source = source;
    }

    /** Reads the whole document from {@code in}, which must be strict; {@code source} is for messages. */
    static List<Backend> read(JsonReader in, RegistrySource source) throws IOException {
        return new RegistryDocument(source).readDocument(in);
    }

    /** Writes the document to {@code out}, version first. */
    static void write(JsonWriter out, List<Backend> backends) throws IOException {
        out.beginObject();
        out.name("version").value(VERSION);
        out.name("backends").beginArray();
        for (Backend backend : backends) {
            BACKEND.write(out, backend);
        }
        out.endArray();
        out.endObject();
        out.flush();
    }

    private List<Backend> readDocument(JsonReader in) throws IOException {
        if (in.peek() != JsonToken.BEGIN_OBJECT) {
            throw invalid("the top level must be an object " + SHAPE + ", got " + JsonTree.describe(in.peek()));
        }
        in.beginObject();
        while (in.hasNext()) {
            String name = in.nextName();
            if (name.equals("version")) {
                readVersion(in);
            } else if (name.equals("backends")) {
                readBackends(in);
            } else {
                throw invalid("unknown top-level field \"" + name + "\"" + JsonTree.where(in) + "; expected " + SHAPE);
            }
        }
        in.endObject();
        try {
            in.peek();
        } catch (MalformedJsonException e) {
            // A strict reader refuses a second value or stray text after the first.
            throw new MalformedJsonException("data after the end of the top-level object" + JsonTree.where(in));
        }
        if (!versionSeen) {
            throw invalid("no \"version\"; expected " + SHAPE);
        }
        if (!backendsSeen) {
            throw invalid("no \"backends\"; expected " + SHAPE);
        }
        return List.copyOf(backends);
    }

    private void readVersion(JsonReader in) throws IOException {
        if (versionSeen) {
            throw invalid("field \"version\" appears twice" + JsonTree.where(in));
        }
        versionSeen = true;
        if (in.peek() != JsonToken.NUMBER) {
            throw invalid("\"version\" must be a number, got " + JsonTree.describe(in.peek()));
        }
        String version = in.nextString();
        if (!version.equals(String.valueOf(VERSION))) {
            throw invalid("unknown version " + version + "; this proxy reads version " + VERSION
                    + " (was the file written by a newer proxy?)");
        }
        for (JsonElement tree : early) {
            add(tree);
        }
        early.clear();
    }

    private void readBackends(JsonReader in) throws IOException {
        if (backendsSeen) {
            throw invalid("field \"backends\" appears twice" + JsonTree.where(in));
        }
        backendsSeen = true;
        if (in.peek() != JsonToken.BEGIN_ARRAY) {
            throw invalid("\"backends\" must be a list, got " + JsonTree.describe(in.peek()));
        }
        in.beginArray();
        while (in.hasNext()) {
            JsonElement tree;
            try {
                tree = JsonTree.read(in);
            } catch (InvalidBackendException e) {
                throw invalid(BackendIds.label(backends.size() + early.size() + 1, null) + ": " + e.getMessage());
            }
            if (versionSeen) {
                add(tree);
            } else {
                early.add(tree);
            }
        }
        in.endArray();
    }

    private void add(JsonElement tree) throws RegistryFileException {
        int number = backends.size() + 1;
        String label = BackendIds.label(number, idOf(tree));
        Backend backend;
        try {
            backend = BACKEND.fromJsonTree(tree);
        } catch (RecordFault fault) {
            throw invalid(label + ": " + fault.describe());
        }
        if (backend == null) {
            throw invalid(label + ": is null, expected an object");
        }
        try {
            ids.add(backend, number);
        } catch (InvalidBackendException e) {
            throw invalid(e.getMessage());
        }
        backends.add(backend);
    }

    // The ID names the backend in messages even when the record is too broken to read.
    private static String idOf(JsonElement tree) {
        if (tree instanceof JsonObject object && object.get("id") instanceof JsonPrimitive id && id.isString()) {
            return id.getAsString();
        }
        return null;
    }

    private RegistryFileException invalid(String fault) {
        return new RegistryFileException(source, "is invalid: " + fault, null);
    }
}
