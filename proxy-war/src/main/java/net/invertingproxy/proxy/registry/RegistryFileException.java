package net.invertingproxy.proxy.registry;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The registry file (or the registry document of a shared store) exists but cannot be used, so the
 * proxy must not start: its message is one line naming the file and the fault, such as
 * {@code registry file /x/backends.json is corrupt: JSON ends early at line 3 column 5 (cut short?)}.
 */
public final class RegistryFileException extends IOException {
    private static final long serialVersionUID = 1L;
    // The fault may quote the file (a long ID, a long path): a log line stays readable.
    private static final int MAX_MESSAGE = 1000;

    private final transient Path file;

    RegistryFileException(Path file, String fault, Throwable cause) {
        this(RegistrySource.of(file), fault, cause);
    }

    RegistryFileException(RegistrySource source, String fault, Throwable cause) {
        super(oneLine(source.subject() + " " + fault), cause);
        this.file = source.file();
    }

    /** The file at fault; null when the document came from a shared store rather than a file. */
    public Path file() {
        return file;
    }

    // Quoted values come from the file and may hold line breaks or other control characters.
    private static String oneLine(String message) {
        StringBuilder line = new StringBuilder(Math.min(message.length(), MAX_MESSAGE + 3));
        for (int i = 0; i < message.length() && line.length() < MAX_MESSAGE; i++) {
            char c = message.charAt(i);
            if (Character.isISOControl(c)) {
                line.append(String.format("\\u%04x", (int) c));
            } else {
                line.append(c);
            }
        }
        if (line.length() >= MAX_MESSAGE) {
            line.setLength(MAX_MESSAGE);
            line.append("...");
        }
        return line.toString();
    }
}
