package net.invertingproxy.proxy.cluster;

import java.security.SecureRandom;
import java.util.Optional;

import net.invertingproxy.protocol.RequestIds;
import net.invertingproxy.proxy.broker.RequestIdSource;

/**
 * Request IDs that name their home instance: {@code <instance>-<random>}, ten lower-case letters
 * or digits, a dash, then the 22 characters of {@link RequestIds#next()}. Any instance a call
 * lands on reads from the ID alone where the exchange lives; the random part stays unguessable.
 */
public final class ClusterRequestIds implements RequestIdSource {
    /** Length of an instance ID. */
    public static final int INSTANCE_ID_LENGTH = 10;
    private static final int RANDOM_PART_LENGTH = 22;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String instanceId;

    /** IDs of the instance {@code instanceId}. */
    public ClusterRequestIds(String instanceId) {
        if (!isInstanceId(instanceId)) {
            throw new IllegalArgumentException("not an instance ID: " + instanceId);
        }
        this.instanceId = instanceId;
    }

    /** A new random instance ID, made once per start: a restarted instance is a new member. */
    public static String newInstanceId() {
        StringBuilder id = new StringBuilder(INSTANCE_ID_LENGTH);
        for (int i = 0; i < INSTANCE_ID_LENGTH; i++) {
            id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return id.toString();
    }

    /** The instance these IDs name. */
    public String instanceId() {
        return instanceId;
    }

    @Override
    public String next() {
        return instanceId + "-" + RequestIds.next();
    }

    @Override
    public boolean isOwn(String requestId) {
        return homeOf(requestId).map(instanceId::equals).orElse(false);
    }

    /** The instance an ID names, or empty for an ID of another shape (a single instance's, a forged one). */
    public static Optional<String> homeOf(String requestId) {
        if (requestId == null || requestId.length() != INSTANCE_ID_LENGTH + 1 + RANDOM_PART_LENGTH
                || requestId.charAt(INSTANCE_ID_LENGTH) != '-' || !RequestIds.isWellFormed(requestId)) {
            return Optional.empty();
        }
        String home = requestId.substring(0, INSTANCE_ID_LENGTH);
        return isInstanceId(home) ? Optional.of(home) : Optional.empty();
    }

    private static boolean isInstanceId(String value) {
        return value != null && value.length() == INSTANCE_ID_LENGTH
                && value.chars().allMatch(c -> ALPHABET.indexOf(c) >= 0);
    }
}
