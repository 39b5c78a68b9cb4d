package net.invertingproxy.proxy.registry;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.annotations.SerializedName;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;

/**
 * Reads records as Gson does (through the canonical constructor, so their checks run) but refuses
 * fields the record does not have, since Gson would skip them: a misspelled {@code "acess"} would
 * otherwise leave a backend open to everyone. Every failure becomes a {@link RecordFault} that
 * says where.
 */
final class StrictRecordAdapterFactory implements TypeAdapterFactory {
    @Override
    public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
        Class<? super T> raw = type.getRawType();
        if (!raw.isRecord()) {
            return null;
        }
        return new StrictRecordAdapter<>(gson.getDelegateAdapter(this, type), gson.getAdapter(JsonElement.class),
                fieldNames(raw));
    }

    private static Set<String> fieldNames(Class<?> record) {
        Set<String> names = new LinkedHashSet<>();
        for (RecordComponent component : record.getRecordComponents()) {
            SerializedName renamed = renaming(record, component);
            if (renamed == null) {
                names.add(component.getName());
            } else {
                names.add(renamed.value());
                names.addAll(Set.of(renamed.alternate()));
            }
        }
        return Collections.unmodifiableSet(names);
    }

    // @SerializedName targets fields, so it is on the record's field, not on the component.
    private static SerializedName renaming(Class<?> record, RecordComponent component) {
        try {
            return record.getDeclaredField(component.getName()).getAnnotation(SerializedName.class);
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("every record component has a field", e);
        }
    }

    /** One record type's strict adapter. */
    private static final class StrictRecordAdapter<T> extends TypeAdapter<T> {
        private final TypeAdapter<T> delegate;
        private final TypeAdapter<JsonElement> elements;
        private final Set<String> names;

        StrictRecordAdapter(TypeAdapter<T> delegate, TypeAdapter<JsonElement> elements, Set<String> names) {
            this.delegate = delegate;
            this.elements = elements;
            this.names = names;
        }

        @Override
        public void write(JsonWriter out, T value) throws IOException {
            delegate.write(out, value);
        }

        @Override
        public T read(JsonReader in) throws IOException {
            String path = in.getPath();
            JsonElement tree = elements.read(in);
            if (tree.isJsonNull()) {
                return null;
            }
            if (!tree.isJsonObject()) {
                throw new RecordFault("expected an object, got " + JsonTree.describe(tree), path);
            }
            for (String name : tree.getAsJsonObject().keySet()) {
                if (!names.contains(name)) {
                    throw new RecordFault("unknown field \"" + name + "\" (known: " + String.join(", ", names) + ")",
                            path);
                }
            }
            try {
                return delegate.fromJsonTree(tree);
            } catch (RecordFault fault) {
                throw fault.under(path);
            } catch (RuntimeException failure) {
                // Gson and the records' constructors throw many kinds; each means this value is wrong.
                throw RecordFault.of(failure, path);
            }
        }
    }
}
