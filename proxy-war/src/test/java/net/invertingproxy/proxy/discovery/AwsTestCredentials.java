package net.invertingproxy.proxy.discovery;

/** Static credentials for the SDK's default chain (its system-property provider comes first), so no lookup leaves the JVM. */
public final class AwsTestCredentials {
    private AwsTestCredentials() {
    }

    /** Sets {@code aws.accessKeyId} and {@code aws.secretAccessKey}. */
    public static void install() {
        System.setProperty("aws.accessKeyId", "AKIDTESTTESTTESTTEST");
        System.setProperty("aws.secretAccessKey", "test-secret-key-test-secret-key-0000000");
    }

    /** Removes them again. */
    public static void remove() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }
}
