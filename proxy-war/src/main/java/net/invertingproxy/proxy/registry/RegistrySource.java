package net.invertingproxy.proxy.registry;

import java.nio.file.Path;

/**
 * Where a registry document was read from, as its faults name it.
 *
 * @param subject how a message names it, such as {@code registry file /x/backends.json}
 * @param file the file, or null for a document kept elsewhere (a shared store)
 */
record RegistrySource(String subject, Path file) {
    /** The registry file {@code file}. */
    static RegistrySource of(Path file) {
        return new RegistrySource("registry file " + file.toAbsolutePath(), file);
    }

    /** A document kept outside any file, named by {@code subject}. */
    static RegistrySource named(String subject) {
        return new RegistrySource(subject, null);
    }
}
