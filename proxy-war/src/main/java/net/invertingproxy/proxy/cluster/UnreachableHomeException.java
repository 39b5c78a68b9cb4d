package net.invertingproxy.proxy.cluster;

import java.io.IOException;

/** The instance a call was relayed to could not be reached, or broke off before it answered. */
public final class UnreachableHomeException extends IOException {
    private static final long serialVersionUID = 1L;

    UnreachableHomeException(String message, Throwable cause) {
        super(message, cause);
    }
}
