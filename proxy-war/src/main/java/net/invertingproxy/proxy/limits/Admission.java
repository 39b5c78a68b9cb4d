package net.invertingproxy.proxy.limits;

/**
 * A request let in under its backend's limits; {@link #release()} gives its in-flight place back
 * when the exchange ends, however it ends. Releasing twice is harmless.
 */
public interface Admission {
    /** An admission that holds nothing, for backends without an in-flight limit. */
    Admission FREE = () -> {
    };

    /** Gives the in-flight place back. */
    void release();
}
