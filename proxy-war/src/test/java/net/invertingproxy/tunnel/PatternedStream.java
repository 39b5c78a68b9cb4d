package net.invertingproxy.tunnel;

import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/**
 * A large body made on the fly, never held whole: random 64 KiB blocks, each stamped with its
 * index so that a block lost, repeated or swapped changes the digest.
 */
public final class PatternedStream extends InputStream {
    private static final int BLOCK = 64 * 1024;

    private final byte[] block = new byte[BLOCK];
    private final long size;
    private long position;

    public PatternedStream(long size) {
        this.size = size;
        new Random(42).nextBytes(block);
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        if (position >= size) {
            return -1;
        }
        int inBlock = (int) (position % BLOCK);
        if (inBlock == 0) {
            stamp(position / BLOCK);
        }
        int count = (int) Math.min(Math.min(length, BLOCK - inBlock), size - position);
        System.arraycopy(block, inBlock, buffer, offset, count);
        position += count;
        return count;
    }

    private void stamp(long index) {
        for (int i = 0; i < 8; i++) {
            block[i] = (byte) (index >>> (8 * i));
        }
    }

    /** The SHA-256 of a patterned body of the given size, computed by streaming it. */
    public static String digestOf(long size) {
        return digest(new PatternedStream(size));
    }

    /** The SHA-256 of a stream, read to its end in small pieces. */
    public static String digest(InputStream in) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = in.read(buffer)) != -1) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
