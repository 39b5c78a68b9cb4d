package net.invertingproxy.proxy.standalone;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

import net.invertingproxy.proxy.config.ProxySetting;
import net.invertingproxy.proxy.standalone.EmbeddedProxy.Options;

/** One flag of the standalone launcher: its name, its meaning, how to show its default and how it changes the options. */
enum CommandLineFlag {
    PORT("--port", "N", "port to listen on; 0 picks any free port",
            options -> Integer.toString(options.port()),
            (options, value) -> options.withPort(wholeNumber(value))),
    HOST("--host", "ADDR", "address to bind; 0.0.0.0 is every IPv4 interface",
            Options::host,
            Options::withHost),
    IDLE_TIMEOUT_SECONDS("--idle-timeout-seconds", "N",
            "close a connection idle this long; keep it above the load balancer's idle timeout"
                    + " (AWS ALB: 60) and the poll hold (25)",
            options -> Long.toString(options.idleTimeout().toSeconds()),
            (options, value) -> options.withIdleTimeout(Duration.ofSeconds(wholeNumber(value)))),
    MAX_HEADER_BYTES("--max-request-header-bytes", "N", "largest request header block a client may send; larger gets 431",
            options -> Integer.toString(options.maxHeaderBytes()),
            (options, value) -> options.withMaxHeaderBytes(wholeNumber(value))),
    STOP_TIMEOUT_SECONDS("--stop-timeout-seconds", "N",
            "on SIGTERM, how long requests in flight may still finish before they are cut off",
            options -> Long.toString(options.stopTimeout().toSeconds()),
            (options, value) -> options.withStopTimeout(Duration.ofSeconds(wholeNumber(value)))),
    SET("--set", "NAME=VALUE", "set a proxy setting (listed below) as a context init parameter; repeatable",
            options -> null,
            CommandLineFlag::withSetting),
    HELP("--help", null, "print this help and exit",
            options -> null,
            (options, value) -> options);

    private final String flag;
    private final String valueName;
    private final String description;
    private final Function<Options, String> shownDefault;
    private final BiFunction<Options, String, Options> apply;

    CommandLineFlag(String flag, String valueName, String description,
                    Function<Options, String> shownDefault, BiFunction<Options, String, Options> apply) {
        this.flag = flag;
        this.valueName = valueName;
        this.description = description;
        this.shownDefault = shownDefault;
        this.apply = apply;
    }

    /** The flag with this name, such as {@code --port}. */
    static Optional<CommandLineFlag> named(String name) {
        return Arrays.stream(values()).filter(flag -> flag.flag.equals(name)).findFirst();
    }

    /** The flag as typed, such as {@code --port}. */
    String flag() {
        return flag;
    }

    /** Whether the flag is followed by a value. */
    boolean takesValue() {
        return valueName != null;
    }

    /** The flag and its value placeholder, such as {@code --port N}. */
    String synopsis() {
        return takesValue() ? flag + " " + valueName : flag;
    }

    /** What the flag does, with its default taken from these options when it has one. */
    String describe(Options defaults) {
        String shown = shownDefault.apply(defaults);
        return shown == null ? description : description + " (default: " + shown + ")";
    }

    /** The options changed by this flag's value; an {@link IllegalArgumentException} says why a value is refused. */
    Options applyTo(Options options, String value) {
        return apply.apply(options, value);
    }

    private static int wholeNumber(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number: " + value, e);
        }
    }

    // Names are checked because the web application ignores unknown ones: a typo would silently keep the default.
    private static Options withSetting(Options options, String assignment) {
        int equals = assignment.indexOf('=');
        if (equals <= 0) {
            throw new IllegalArgumentException("expected NAME=VALUE, not " + assignment);
        }
        String name = assignment.substring(0, equals);
        boolean known = Arrays.stream(ProxySetting.values()).anyMatch(setting -> setting.key().equals(name));
        if (!known) {
            // The error line already ends pointing at --help, which lists the settings.
            throw new IllegalArgumentException("unknown proxy setting " + name);
        }
        return options.withInitParameter(name, assignment.substring(equals + 1));
    }
}
