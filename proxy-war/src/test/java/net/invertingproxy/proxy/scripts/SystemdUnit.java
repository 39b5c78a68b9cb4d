package net.invertingproxy.proxy.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A systemd unit file read the way systemd reads it (systemd.syntax(7)): {@code [Section]} headers, {@code Key=Value}
 * lines, {@code #} and {@code ;} comments, a trailing backslash joining the next line. Anything else fails the test
 * instead of being guessed at.
 */
record SystemdUnit(Path file, List<String> headerComment, List<Setting> settings) {
    /** One assignment, with the section it is in. */
    record Setting(String section, String key, String value, int line) {
    }

    private static final Pattern SECTION = Pattern.compile("^\\[([A-Za-z][A-Za-z0-9-]*)\\]$");
    private static final Pattern ASSIGNMENT = Pattern.compile("^([A-Za-z][A-Za-z0-9]*)\\s*=\\s*(.*)$");

    static SystemdUnit parse(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<String> header = new ArrayList<>();
        List<Setting> settings = new ArrayList<>();
        String section = null;
        for (int i = 0; i < lines.size(); i++) {
            int number = i + 1;
            String line = lines.get(i).strip();
            if (line.startsWith("#") || line.startsWith(";")) {
                if (section == null) {
                    header.add(line.replaceFirst("^[#;] ?", ""));
                }
                continue;
            }
            while (line.endsWith("\\") && i + 1 < lines.size()) {
                line = line.substring(0, line.length() - 1) + " " + lines.get(++i).strip();
            }
            if (line.isEmpty()) {
                continue;
            }
            Matcher sectionMatch = SECTION.matcher(line);
            if (sectionMatch.matches()) {
                section = sectionMatch.group(1);
                continue;
            }
            Matcher assignment = ASSIGNMENT.matcher(line);
            if (!assignment.matches() || section == null) {
                throw new AssertionError(file + ":" + number + ": not a unit file line: " + line);
            }
            settings.add(new Setting(section, assignment.group(1), assignment.group(2).strip(), number));
        }
        return new SystemdUnit(file, header, settings);
    }

    /** Every value of the key in the section, in order. */
    List<String> values(String section, String key) {
        return settings.stream().filter(s -> s.section().equals(section) && s.key().equals(key)).map(Setting::value).toList();
    }

    /** The one value of the key in the section; fails unless there is exactly one. */
    String value(String section, String key) {
        List<String> values = values(section, key);
        assertEquals(1, values.size(), file.getFileName() + ": [" + section + "] " + key + "= should be set once: " + values);
        return values.get(0);
    }

    /** The one value, or null when the key is not set. */
    String valueOrNull(String section, String key) {
        List<String> values = values(section, key);
        return values.isEmpty() ? null : value(section, key);
    }

    /** The header comment as one text. */
    String headerText() {
        return String.join("\n", headerComment);
    }

    /**
     * ExecStart's command line, split into words (systemd.service(5)): the special prefixes ({@code -@:+!}) removed.
     * Quoting and specifiers are not needed by our units and fail the test rather than be misread.
     */
    List<String> execStart() {
        String line = value("Service", "ExecStart").replaceFirst("^[-@:+!]+", "");
        if (line.contains("\"") || line.contains("'") || line.contains("%") || line.contains("$")) {
            throw new AssertionError(file.getFileName() + ": ExecStart uses quoting, specifiers or variables, which this"
                    + " test does not interpret: " + line);
        }
        return List.of(line.split("\\s+"));
    }

    /**
     * The variables of the section's Environment= lines, in order (systemd.exec(5)): each value is one or more
     * space-separated {@code NAME=VALUE}. Quoting, specifiers and variables are not needed by our units and fail the
     * test rather than be misread.
     */
    Map<String, String> environment() {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String value : values("Service", "Environment")) {
            if (value.contains("\"") || value.contains("'") || value.contains("%") || value.contains("$")
                    || value.contains("\\")) {
                throw new AssertionError(file.getFileName() + ": Environment=" + value + " uses quoting, specifiers or"
                        + " variables, which this test does not interpret");
            }
            for (String assignment : value.split("\\s+")) {
                Matcher matcher = Pattern.compile("^([A-Za-z_][A-Za-z0-9_]*)=(.*)$").matcher(assignment);
                if (!matcher.matches()) {
                    throw new AssertionError(file.getFileName() + ": Environment=" + value + ": not NAME=VALUE: "
                            + assignment);
                }
                variables.put(matcher.group(1), matcher.group(2));
            }
        }
        return variables;
    }

    /** EnvironmentFile=, without the {@code -} that makes it optional. */
    Path environmentFile() {
        return Path.of(value("Service", "EnvironmentFile").replaceFirst("^-", ""));
    }

    /** A time span such as TimeoutStopSec= in seconds (plain seconds, or a number with {@code s}, {@code min}). */
    long seconds(String section, String key) {
        String value = value(section, key);
        Matcher matcher = Pattern.compile("^(\\d+)\\s*(s|sec|min)?$").matcher(value);
        if (!matcher.matches()) {
            throw new AssertionError(file.getFileName() + ": " + key + "=" + value + " is not a time span this test reads");
        }
        long number = Long.parseLong(matcher.group(1));
        return "min".equals(matcher.group(2)) ? number * 60 : number;
    }

    /**
     * The exit codes systemd counts as a clean stop: 0 and those in SuccessExitStatus=. (A process killed by the
     * SIGTERM it was sent is also clean to systemd, but a Java process cannot tell that apart from exit 143.)
     */
    List<Integer> successExitCodes() {
        List<Integer> codes = new ArrayList<>(List.of(0));
        for (String value : values("Service", "SuccessExitStatus")) {
            for (String word : value.split("\\s+")) {
                if (word.matches("\\d+")) {
                    codes.add(Integer.parseInt(word));
                }
            }
        }
        return codes;
    }
}
