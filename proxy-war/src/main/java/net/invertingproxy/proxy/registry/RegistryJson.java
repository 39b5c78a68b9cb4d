package net.invertingproxy.proxy.registry;

import java.time.Instant;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.Strictness;

/** The Gson of backend records, shared by the registry file and the admin API. */
public final class RegistryJson {
    /**
     * Strict JSON, pretty-printed, instants as ISO-8601, enums by their lower-case names, and
     * records, enums, booleans and ints that refuse what Gson would let through; thread-safe, as
     * every Gson is.
     */
    public static final Gson GSON = new GsonBuilder()
            .setStrictness(Strictness.STRICT)
            .setPrettyPrinting()
            // The file is read by people too: keep = < > & as they are.
            .disableHtmlEscaping()
            .registerTypeAdapter(Instant.class, ScalarAdapters.INSTANT)
            .registerTypeAdapter(boolean.class, ScalarAdapters.BOOLEAN)
            .registerTypeAdapter(Boolean.class, ScalarAdapters.BOOLEAN)
            .registerTypeAdapter(int.class, ScalarAdapters.INT)
            .registerTypeAdapter(Integer.class, ScalarAdapters.INT)
            .registerTypeAdapterFactory(new StrictEnumAdapterFactory())
            .registerTypeAdapterFactory(new StrictRecordAdapterFactory())
            .create();

    private RegistryJson() {
    }
}
