package net.invertingproxy.proxy.registry;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.MalformedJsonException;

/**
 * The file that keeps the backend registry across restarts, {@code {"version": 1, "backends": [...]}}
 * in UTF-8: a missing file is an empty registry (the first start), any other fault stops start-up
 * with a {@link RegistryFileException}, and saving replaces the file atomically and durably. The
 * same document can be read from and written to bytes, for a registry shared through another store.
 */
public final class RegistryFile {
    /** The largest file {@link #load} reads; a registry of thousands of backends is far smaller. */
    public static final long MAX_BYTES = 64L * 1024 * 1024;

    private RegistryFile() {
    }

    /**
     * The backends in {@code file}, in file order; none if the file does not exist. Throws if the
     * file cannot be read, is empty, too large, cut short or not JSON, has another shape or version,
     * holds a record that breaks a rule, or repeats a backend ID or an agent key ID.
     */
    public static List<Backend> load(Path file) throws RegistryFileException {
        return load(file, MAX_BYTES);
    }

    /** {@link #load(Path)} with another size limit. */
    static List<Backend> load(Path file, long maxBytes) throws RegistryFileException {
        Objects.requireNonNull(file, "file");
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            if (Files.isSymbolicLink(file)) {
                // A link to a volume that is not mounted must not look like a first start.
                throw new RegistryFileException(file, "is a symbolic link to a missing file", e);
            }
            return List.of();
        } catch (IOException e) {
            throw new RegistryFileException(file, "cannot be read: " + reason(e), e);
        }
        RegistrySource source = RegistrySource.of(file);
        try (channel) {
            long size = channel.size();
            if (size == 0) {
                throw new RegistryFileException(file, "is empty (0 bytes): restore it from a backup,"
                        + " or delete it to start with no backends", null);
            }
            if (size > maxBytes) {
                throw tooLarge(source, size + " bytes", maxBytes, null);
            }
            // The size was checked, but a file appended to while read could still outgrow the limit.
            return parse(new SizeLimitedInputStream(Channels.newInputStream(channel), maxBytes), source, maxBytes);
        } catch (RegistryFileException e) {
            throw e;
        } catch (IOException e) {
            throw new RegistryFileException(file, "cannot be read: " + reason(e), e);
        }
    }

    /**
     * The backends of a registry document held in memory ({@code utf8}, as a shared store keeps it),
     * read by the same rules as the file, up to the same {@link #MAX_BYTES}; {@code subject} names
     * the document in messages, such as {@code registry in Redis key x}.
     */
    public static List<Backend> read(byte[] utf8, String subject) throws RegistryFileException {
        return read(utf8, RegistrySource.named(subject), MAX_BYTES);
    }

    /** {@link #read(byte[], String)} with another size limit. */
    static List<Backend> read(byte[] utf8, RegistrySource source, long maxBytes) throws RegistryFileException {
        if (utf8.length == 0) {
            throw new RegistryFileException(source, "is empty (0 bytes)", null);
        }
        if (utf8.length > maxBytes) {
            throw tooLarge(source, utf8.length + " bytes", maxBytes, null);
        }
        try {
            return parse(new ByteArrayInputStream(utf8), source, maxBytes);
        } catch (RegistryFileException e) {
            throw e;
        } catch (IOException e) {
            throw new RegistryFileException(source, "cannot be read: " + reason(e), e);
        }
    }

    /** The document {@link #save} would write for {@code backends}, as UTF-8. */
    public static byte[] write(List<Backend> backends) throws IOException {
        List<Backend> copy = List.copyOf(backends);
        BackendIds.check(copy);
        StringWriter text = new StringWriter();
        RegistryDocument.write(RegistryJson.GSON.newJsonWriter(text), copy);
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    // One reading of a document, wherever it is kept, and one wording of its faults.
    private static List<Backend> parse(InputStream bytes, RegistrySource source, long maxBytes) throws IOException {
        try {
            return RegistryDocument.read(jsonReader(bytes), source);
        } catch (SizeLimitedInputStream.LimitExceededException e) {
            throw tooLarge(source, "grew to more than " + e.limit() + " bytes while read", maxBytes, e);
        } catch (EOFException e) {
            throw cutShort(source, firstLine(e).replaceFirst("^End of input", ""), e);
        } catch (MalformedJsonException e) {
            String message = firstLine(e);
            if (message.startsWith("Unterminated ")) {
                // A string or escape still open at the end of the file.
                throw cutShort(source, " inside " + message.substring("Unterminated ".length()), e);
            }
            // Gson's advice to parse leniently is no advice for a file that must be exact.
            throw new RegistryFileException(source, "is corrupt: not valid JSON: "
                    + message.replaceFirst("^Use JsonReader.setStrictness\\(\\S+\\) to accept malformed JSON", "")
                            .replaceFirst("^ at ", "at "), e);
        } catch (CharacterCodingException e) {
            throw new RegistryFileException(source, "is corrupt: not UTF-8 text", e);
        }
    }

    /**
     * Replaces {@code file} with {@code backends}, atomically (a crash leaves the old file or the new
     * one, whole) and durably (synced to disk before returning); creates its directory if missing.
     * The file is readable by its owner only, since it holds secret hashes. Throws
     * {@link InvalidBackendException} for a list that {@link #load} would refuse (a repeated ID); on
     * any failure the old file is left as it was.
     */
    public static void save(Path file, List<Backend> backends) throws IOException {
        Objects.requireNonNull(file, "file");
        List<Backend> copy = List.copyOf(backends);
        BackendIds.check(copy);
        AtomicFile.write(file, writer -> RegistryDocument.write(RegistryJson.GSON.newJsonWriter(writer), copy));
    }

    private static JsonReader jsonReader(InputStream bytes) {
        // Refuse bytes that are not UTF-8 rather than read them as U+FFFD.
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        Reader text = new InputStreamReader(bytes, utf8);
        return RegistryJson.GSON.newJsonReader(text);
    }

    private static RegistryFileException tooLarge(RegistrySource source, String size, long maxBytes,
                                                  Throwable cause) {
        return new RegistryFileException(source, "is too large: " + size + ", the limit is " + maxBytes + " bytes",
                cause);
    }

    private static RegistryFileException cutShort(RegistrySource source, String where, Throwable cause) {
        return new RegistryFileException(source, "is corrupt: JSON ends early" + where + " (cut short?)", cause);
    }

    // Gson adds a second line pointing to its troubleshooting page.
    private static String firstLine(Exception e) {
        String message = e.getMessage();
        return message == null ? "" : message.lines().findFirst().orElse("");
    }

    private static String reason(IOException e) {
        if (e instanceof FileSystemException fileSystem) {
            // Its message repeats the path; the reason alone, or its kind (AccessDeniedException) if none.
            return fileSystem.getReason() != null ? fileSystem.getReason() : e.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
