package net.invertingproxy.proxy.registry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.Gson;
import com.google.gson.JsonPrimitive;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

/**
 * Reads enums by their {@code @SerializedName} as Gson does, but refuses a name that is not one of
 * them: Gson reads an unknown name as null, and a null {@link AccessMode} means public, so a misspelled
 * {@code "basci"} would open a backend to everyone.
 */
final class StrictEnumAdapterFactory implements TypeAdapterFactory {
    @Override
    public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
        Class<? super T> raw = type.getRawType();
        if (!raw.isEnum()) {
            return null;
        }
        TypeAdapter<T> delegate = gson.getDelegateAdapter(this, type);
        List<String> names = new ArrayList<>();
        for (Object constant : raw.getEnumConstants()) {
            names.add(delegate.toJsonTree(cast(constant)).getAsString());
        }
        return new StrictEnumAdapter<>(delegate, List.copyOf(names));
    }

    // The constants of T's class are Ts.
    @SuppressWarnings("unchecked")
    private static <T> T cast(Object constant) {
        return (T) constant;
    }

    /** One enum type's strict adapter. */
    private static final class StrictEnumAdapter<T> extends TypeAdapter<T> {
        private final TypeAdapter<T> delegate;
        private final List<String> names;

        StrictEnumAdapter(TypeAdapter<T> delegate, List<String> names) {
            this.delegate = delegate;
            this.names = names;
        }

        @Override
        public void write(JsonWriter out, T value) throws IOException {
            delegate.write(out, value);
        }

        @Override
        public T read(JsonReader in) throws IOException {
            String path = in.getPath();
            JsonToken token = in.peek();
            if (token == JsonToken.NULL) {
                in.nextNull();
                return null;
            }
            if (token != JsonToken.STRING) {
                throw new RecordFault("expected one of " + String.join(", ", names) + ", got "
                        + JsonTree.describe(token), path);
            }
            String name = in.nextString();
            // Gson would also take the constant's toString() (BASIC); the file has one spelling.
            if (!names.contains(name)) {
                throw new RecordFault("unknown value \"" + name + "\" (known: " + String.join(", ", names) + ")", path);
            }
            return delegate.fromJsonTree(new JsonPrimitive(name));
        }
    }
}
