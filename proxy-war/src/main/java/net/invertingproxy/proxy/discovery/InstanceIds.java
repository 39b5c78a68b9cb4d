package net.invertingproxy.proxy.discovery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Derives a Cloud Map instance ID from a backend ID: the same backend always gets the same ID, so a
 * restarted proxy replaces its own instance instead of leaving a second one behind.
 */
public final class InstanceIds {
    /** Cloud Map's limit on an instance ID's length. */
    static final int MAX_LENGTH = 64;
    private static final int HASH_CHARS = 12;

    private InstanceIds() {
    }

    /**
     * The backend ID itself where Cloud Map accepts it ({@code [0-9a-zA-Z_/:.@-]}, at most 64
     * characters, which every registry ID is); otherwise the allowed characters, cut short, and a
     * hash of the whole ID, so that two IDs differing only in a replaced character stay apart.
     */
    public static String of(String backendId) {
        if (backendId.length() <= MAX_LENGTH && backendId.matches("[0-9a-zA-Z_/:.@-]+")) {
            return backendId;
        }
        String allowed = backendId.replaceAll("[^0-9a-zA-Z_/:.@-]", "_");
        String prefix = allowed.substring(0, Math.min(allowed.length(), MAX_LENGTH - HASH_CHARS - 1));
        return prefix + "-" + sha256Hex(backendId).substring(0, HASH_CHARS);
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
