package net.invertingproxy.proxy.registry;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

/**
 * The registry file's scalars: instants as ISO-8601 text, and booleans and ints without Gson's
 * conversions (it reads {@code "yes"} as false and 1.5 from a tree as 1, where the file is wrong).
 */
final class ScalarAdapters {
    /** Instants as {@code 2024-01-31T12:00:00Z}; null stays null, so the records report it as missing. */
    static final TypeAdapter<Instant> INSTANT = new TypeAdapter<Instant>() {
        @Override
        public void write(JsonWriter out, Instant value) throws IOException {
            out.value(value.toString());
        }

        @Override
        public Instant read(JsonReader in) throws IOException {
            String path = in.getPath();
            if (in.peek() != JsonToken.STRING) {
                throw new RecordFault("expected an ISO-8601 instant such as \"2024-01-31T12:00:00Z\", got "
                        + JsonTree.describe(in.peek()), path);
            }
            String text = in.nextString();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw new RecordFault("expected an ISO-8601 instant such as \"2024-01-31T12:00:00Z\", got \""
                        + text + "\"", path);
            }
        }
    }.nullSafe();

    /** Only {@code true} and {@code false}. */
    static final TypeAdapter<Boolean> BOOLEAN = new TypeAdapter<Boolean>() {
        @Override
        public void write(JsonWriter out, Boolean value) throws IOException {
            out.value(value);
        }

        @Override
        public Boolean read(JsonReader in) throws IOException {
            if (in.peek() != JsonToken.BOOLEAN) {
                throw new RecordFault("expected true or false, got " + JsonTree.describe(in.peek()), in.getPath());
            }
            return in.nextBoolean();
        }
    };

    /** Only whole numbers that fit an int. */
    static final TypeAdapter<Integer> INT = new TypeAdapter<Integer>() {
        @Override
        public void write(JsonWriter out, Integer value) throws IOException {
            out.value(value);
        }

        @Override
        public Integer read(JsonReader in) throws IOException {
            String path = in.getPath();
            if (in.peek() != JsonToken.NUMBER) {
                throw new RecordFault("expected a whole number, got " + JsonTree.describe(in.peek()), path);
            }
            String text = in.nextString();
            try {
                return new BigDecimal(text).intValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                throw new RecordFault("expected a whole number up to " + Integer.MAX_VALUE + ", got " + text, path);
            }
        }
    };

    private ScalarAdapters() {
    }
}
