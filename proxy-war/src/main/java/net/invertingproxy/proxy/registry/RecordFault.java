package net.invertingproxy.proxy.registry;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonToken;

/** What is wrong with one value of a record read by {@link RegistryJson#GSON}, and where it sits in the record. */
public final class RecordFault extends JsonParseException {
    private static final long serialVersionUID = 1L;
    // Gson ends its messages with where it was: " at line 3 column 5 path $.x" or "; at path $.x".
    private static final Pattern GSON_LOCATION = Pattern.compile(";? at (?:line \\d+ column \\d+ )?path (\\$\\S*)$");
    // Gson names its tokens ("Expected BEGIN_ARRAY but was STRING"), where the adapters here say
    // "expected a list, got a string": readers of a 400 or of a start-up error know JSON, not Gson.
    private static final String TOKEN = Arrays.stream(JsonToken.values()).map(JsonToken::name)
            .collect(Collectors.joining("|", "(", ")"));
    private static final Pattern GSON_TOKENS = Pattern.compile("Expected " + TOKEN + " but was " + TOKEN);

    // The path is relative to the record ($.access.apiKeys[1]); each enclosing record adds its own
    // place on the way out, because Gson reads every nested record from a tree of its own.
    private final String fault;
    private final String path;

    RecordFault(String fault, String path) {
        super(fault + " at " + path);
        this.fault = fault;
        this.path = path;
    }

    /** Explains a failure of Gson or of a record's constructor, found while reading the value at {@code path}. */
    static RecordFault of(RuntimeException failure, String path) {
        Throwable root = failure;
        // Gson wraps what a record's constructor threw (with its arguments, which may hold hashes): use the cause.
        while (!(root instanceof InvalidBackendException) && root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (root instanceof NullPointerException) {
            // The records name the missing component: Objects.requireNonNull(keyId, "keyId").
            return new RecordFault(message == null ? "a value is null where one is required" : "missing " + message,
                    path);
        }
        if (message == null) {
            return new RecordFault(root.getClass().getSimpleName(), path);
        }
        message = message.lines().findFirst().orElse("");
        Matcher location = GSON_LOCATION.matcher(message);
        if (location.find()) {
            return new RecordFault(inOurWords(message.substring(0, location.start())), join(path, location.group(1)));
        }
        return new RecordFault(inOurWords(message), path);
    }

    private static String inOurWords(String gsonMessage) {
        Matcher tokens = GSON_TOKENS.matcher(gsonMessage);
        if (!tokens.matches()) {
            return gsonMessage;
        }
        return "expected " + JsonTree.describe(JsonToken.valueOf(tokens.group(1))) + ", got "
                + JsonTree.describe(JsonToken.valueOf(tokens.group(2)));
    }

    /** This fault, read by an enclosing record from the value at {@code outerPath}. */
    RecordFault under(String outerPath) {
        return new RecordFault(fault, join(outerPath, path));
    }

    /** The fault and, unless it is the record as a whole, where: {@code missing created (at agentKeys[0])}. */
    public String describe() {
        if (path.equals("$")) {
            return fault;
        }
        return fault + " (at " + path.substring(path.startsWith("$.") ? 2 : 1) + ")";
    }

    private static String join(String outer, String inner) {
        return outer + inner.substring(1);
    }
}
