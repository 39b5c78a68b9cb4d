package net.invertingproxy.proxy.scripts;

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
 * A file for systemd's {@code EnvironmentFile=}, read as systemd reads it: {@code NAME=VALUE} lines, {@code #} and
 * {@code ;} comment lines, surrounding whitespace dropped, whitespace inside an unquoted value kept, single and double
 * quotes removed (a backslash escaping the next character outside single quotes). Line continuations fail the test.
 */
final class EnvironmentFile {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern COMMENTED_ASSIGNMENT = Pattern.compile("^[#;]\\s*([A-Z_][A-Z0-9_]*)=");

    private EnvironmentFile() {
    }

    /** The assignments, in file order. */
    static Map<String, String> read(Path file) throws IOException {
        Map<String, String> variables = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).stripLeading();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String where = file.getFileName() + ":" + (i + 1);
            int equals = line.indexOf('=');
            if (equals < 0) {
                throw new AssertionError(where + ": not NAME=VALUE: " + line);
            }
            String name = line.substring(0, equals).strip();
            if (!NAME.matcher(name).matches()) {
                throw new AssertionError(where + ": not a variable name: " + name);
            }
            variables.put(name, value(line.substring(equals + 1), where));
        }
        return variables;
    }

    /** The names of assignments that are commented out ({@code # NAME=...}), offered as options. */
    static List<String> commentedOutNames(Path file) throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            Matcher matcher = COMMENTED_ASSIGNMENT.matcher(line.strip());
            if (matcher.find()) {
                names.add(matcher.group(1));
            }
        }
        return names;
    }

    private static String value(String raw, String where) {
        String text = raw.stripLeading();
        StringBuilder value = new StringBuilder();
        int keep = 0; // length of the value up to its last character that is not unquoted trailing whitespace
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'' || c == '"') {
                int close = i + 1;
                while (close < text.length() && text.charAt(close) != c) {
                    if (c == '"' && text.charAt(close) == '\\' && close + 1 < text.length()) {
                        close++;
                    }
                    close++;
                }
                if (close >= text.length()) {
                    throw new AssertionError(where + ": unterminated quote in " + raw);
                }
                String quoted = text.substring(i + 1, close);
                value.append(c == '"' ? quoted.replaceAll("\\\\(.)", "$1") : quoted);
                keep = value.length();
                i = close;
            } else if (c == '\\') {
                if (i + 1 >= text.length()) {
                    throw new AssertionError(where + ": line continuations are not read by this test: " + raw);
                }
                value.append(text.charAt(++i));
                keep = value.length();
            } else {
                value.append(c);
                if (!Character.isWhitespace(c)) {
                    keep = value.length();
                }
            }
        }
        return value.substring(0, keep);
    }
}
