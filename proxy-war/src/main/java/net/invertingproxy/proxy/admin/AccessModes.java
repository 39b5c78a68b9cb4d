package net.invertingproxy.proxy.admin;

import java.util.Locale;

import net.invertingproxy.proxy.registry.AccessMode;
import net.invertingproxy.proxy.registry.InvalidBackendException;

/** The names of access modes in the admin API: {@code public}, {@code api_key}, {@code basic}, {@code alb_oidc}. */
final class AccessModes {
    private AccessModes() {
    }

    static String name(AccessMode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    static AccessMode parse(String name) {
        if (name == null || name.isBlank()) {
            return AccessMode.PUBLIC;
        }
        for (AccessMode mode : AccessMode.values()) {
            if (name(mode).equals(name.trim().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new InvalidBackendException("access.mode must be public, api_key, basic or alb_oidc, got \"" + name + "\"");
    }
}
