package net.invertingproxy.proxy.standalone;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import net.invertingproxy.logging.SecretSafeLogging;

import net.invertingproxy.proxy.config.ProxySetting;
import net.invertingproxy.proxy.standalone.EmbeddedProxy.Options;

/**
 * The command line of {@code java -jar inverting-proxy.war}: reads the flags, starts the embedded proxy, prints one
 * line saying where it listens and serves until SIGTERM, which stops it gracefully. Exit codes: 0 after {@code --help}
 * or a stop, 1 when the server cannot start, 2 for a bad command line.
 */
public final class ProxyCommandLine {
    static final int EXIT_OK = 0;
    static final int EXIT_NOT_STARTED = 1;
    static final int EXIT_USAGE = 2;
    /** The standalone proxy faces the network, unlike {@link Options#of}, which suits tests. */
    static final String DEFAULT_HOST = "0.0.0.0";
    static final int DEFAULT_PORT = 8080;

    private ProxyCommandLine() {
    }

    /** Runs the command line against the unpacked web application in {@code webappDir}; blocks while serving and returns the exit code. */
    public static int run(String[] args, Path webappDir) {
        return run(args, webappDir, System.out, System.err);
    }

    /** {@link #run(String[], Path)} writing to the given streams, so that help and errors can be tested. */
    static int run(String[] args, Path webappDir, PrintStream out, PrintStream err) {
        Invocation invocation;
        try {
            invocation = parse(args, webappDir);
        } catch (UsageException e) {
            // One line, so that a supervisor's log shows the whole complaint.
            err.println("error: " + e.getMessage() + " (run with --help for usage)");
            return EXIT_USAGE;
        }
        if (invocation.helpRequested()) {
            out.print(usage());
            out.flush();
            return EXIT_OK;
        }
        return serve(invocation.options(), out, err);
    }

    /** The options the flags ask for, on top of {@link #defaults}; {@code --help} anywhere before an error wins. */
    static Invocation parse(String[] args, Path webappDir) throws UsageException {
        Options options = defaults(webappDir);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            int equals = arg.indexOf('=');
            String name = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
            CommandLineFlag flag = CommandLineFlag.named(name).orElseThrow(() -> unknown(arg));
            if (flag == CommandLineFlag.HELP) {
                return new Invocation(true, options);
            }
            String value;
            if (!flag.takesValue()) {
                value = null;
            } else if (name.length() < arg.length()) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new UsageException(flag.flag() + " needs a value: " + flag.synopsis());
            }
            options = apply(flag, options, value);
        }
        return new Invocation(false, options);
    }

    /** The standalone defaults: every interface on port 8080, the rest as {@link Options#of}. */
    static Options defaults(Path webappDir) {
        return Options.of(webappDir).withHost(DEFAULT_HOST).withPort(DEFAULT_PORT);
    }

    /** The {@code --help} text, generated from the flags and the proxy settings so that it lists every one with its default. */
    static String usage() {
        Options defaults = defaults(Path.of("."));
        StringBuilder text = new StringBuilder()
                .append("usage: java -jar inverting-proxy.war [FLAG...]\n\n")
                .append("Runs the inverting proxy on embedded Jetty ").append(EmbeddedProxy.jettyVersion())
                .append("; SIGTERM stops it gracefully.\n\nFlags (also as --flag=value):\n");
        for (CommandLineFlag flag : CommandLineFlag.values()) {
            appendRow(text, flag.synopsis(), flag.describe(defaults));
        }
        text.append("\nProxy settings for --set NAME=VALUE (also read from -Dinverting-proxy.NAME")
                .append(" and INVERTING_PROXY_NAME):\n");
        for (ProxySetting setting : ProxySetting.values()) {
            appendRow(text, setting.key(), setting.description() + " (default: " + setting.defaultValue() + ")");
        }
        return text.toString();
    }

    private static void appendRow(StringBuilder text, String name, String description) {
        text.append(String.format("  %-30s %s%n", name, description));
    }

    private static Options apply(CommandLineFlag flag, Options options, String value) throws UsageException {
        try {
            return flag.applyTo(options, value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(flag.flag() + ": " + e.getMessage());
        }
    }

    private static UsageException unknown(String arg) {
        return new UsageException(arg.startsWith("-") ? "unknown flag: " + arg : "unexpected argument: " + arg);
    }

    // Held, so the levels survive garbage collection of the loggers. Jetty's start-up chatter is
    // replaced by our one summary line, and a web application that fails to start is reported by
    // our one error line rather than Jetty's warning with a stack trace.
    private static final Logger JETTY_LOGS = Logger.getLogger("org.eclipse.jetty");
    private static final Logger WEBAPP_START_LOGS = Logger.getLogger("org.eclipse.jetty.ee10.webapp.WebAppContext");

    private static void quietJettyLogs() {
        JETTY_LOGS.setLevel(Level.WARNING);
        WEBAPP_START_LOGS.setLevel(Level.OFF);
    }

    private static int serve(Options options, PrintStream out, PrintStream err) {
        quietJettyLogs();
        // An operator who turns Jetty's debug logs on must not find credentials in them.
        SecretSafeLogging.install();
        EmbeddedProxy proxy;
        try {
            proxy = EmbeddedProxy.start(options);
        } catch (Exception e) {
            err.println("error: could not start: " + reasons(e));
            return EXIT_NOT_STARTED;
        }
        // Started: the web application's later warnings are worth seeing again.
        WEBAPP_START_LOGS.setLevel(null);
        Runtime.getRuntime().addShutdownHook(new Thread(proxy::stop, "inverting-proxy-stop"));
        out.println("inverting-proxy listening on " + proxy.baseUri()
                + " (embedded Jetty " + EmbeddedProxy.jettyVersion() + ")");
        out.flush();
        try {
            proxy.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            proxy.stop();
        }
        return EXIT_OK;
    }

    // Jetty wraps the useful part ("Address already in use", a setting's complaint) in a cause. A
    // registry fault is complete in itself: what it wraps (a parser's words) would only repeat it.
    private static final String REGISTRY_FAULT = "net.invertingproxy.proxy.registry.RegistryFileException";

    private static String reasons(Throwable failure) {
        StringBuilder text = new StringBuilder();
        String previous = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String reason = Optional.ofNullable(t.getMessage()).orElse(t.getClass().getSimpleName());
            reason = reason.lines().findFirst().orElse(reason);
            if (!reason.equals(previous)) {
                text.append(text.length() == 0 ? "" : ": ").append(reason);
            }
            previous = reason;
            // By name: the web application's class loader, not ours, loaded the class that was thrown.
            if (t.getClass().getName().equals(REGISTRY_FAULT)) {
                break;
            }
        }
        return text.toString();
    }

    /** What the command line asks for: the help text, or a server with these options. */
    record Invocation(boolean helpRequested, Options options) {
    }
}
