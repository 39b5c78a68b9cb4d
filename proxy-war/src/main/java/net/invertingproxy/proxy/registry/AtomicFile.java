package net.invertingproxy.proxy.registry;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Replaces a file's content so that a crash or power cut at any moment leaves either the old
 * content or the new, whole: the new content goes to a temporary file beside it, is synced, and
 * is renamed over the old; then the directory is synced so the rename itself survives.
 */
final class AtomicFile {
    private AtomicFile() {
    }

    /** What to write. */
    @FunctionalInterface
    interface Content {
        /** Writes the content to {@code writer} (UTF-8); the caller flushes and syncs. */
        void writeTo(Writer writer) throws IOException;
    }

    /**
     * Writes {@code content} to {@code file}, readable and writable by the owner only where the file
     * system has POSIX permissions, creating its directory if missing. On failure the temporary file
     * is gone and the old file is as it was.
     */
    static void write(Path file, Content content) throws IOException {
        Path target = file.toAbsolutePath();
        Path directory = target.getParent();
        Files.createDirectories(directory);
        // Same directory, so the rename cannot cross file systems and stays atomic; a random name, so
        // concurrent writers never share one; a dot, so it stays out of listings.
        Path temp = Files.createTempFile(directory, "." + target.getFileName() + ".", ".tmp", ownerOnly(directory));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                Writer writer = new BufferedWriter(
                        new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8));
                content.writeTo(writer);
                writer.flush();
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable failure) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
            throw failure;
        }
        syncDirectory(directory);
    }

    // The file holds secret hashes; on POSIX it is created owner-only rather than narrowed after.
    private static FileAttribute<?>[] ownerOnly(Path directory) {
        if (directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
            };
        }
        return new FileAttribute<?>[0];
    }

    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory as a channel and some file systems refuse to sync one.
            // The new file is already synced and renamed into place; only whether the rename outlives
            // a power cut is then up to the OS, which is no reason to fail a save that took effect.
        }
    }
}
