package net.invertingproxy.proxy.registry;

import net.invertingproxy.proxy.access.AddressRange;

/** Checks address-range fields of a backend record. */
final class AddressRanges {
    private AddressRanges() {
    }

    static void check(String range, String field) {
        try {
            AddressRange.parse(range);
        } catch (IllegalArgumentException e) {
            throw new InvalidBackendException(field + ": " + e.getMessage());
        }
    }
}
