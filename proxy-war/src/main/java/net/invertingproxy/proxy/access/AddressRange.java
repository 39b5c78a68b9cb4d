package net.invertingproxy.proxy.access;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address range in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}; a
 * bare address is a range of one). Parsing never looks up a name: only literal addresses are taken.
 */
public final class AddressRange {
    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private AddressRange(byte[] network, int prefixLength, String text) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.text = text;
    }

    /** Parses CIDR notation; throws {@link IllegalArgumentException} with a one-line reason. */
    public static AddressRange parse(String cidr) {
        if (cidr == null || cidr.isBlank()) {
            throw new IllegalArgumentException("an address range must not be empty");
        }
        String trimmed = cidr.trim();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        byte[] bytes = literal(address);
        if (bytes == null) {
            throw new IllegalArgumentException("not an address range in CIDR notation: \"" + cidr + "\"");
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(trimmed.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in \"" + cidr + "\"");
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("prefix length out of range in \"" + cidr + "\"");
            }
        }
        return new AddressRange(bytes, prefix, trimmed);
    }

    /** Whether the literal address {@code address} is in the range; false for anything not an address. */
    public boolean contains(String address) {
        byte[] bytes = literal(address);
        return bytes != null && contains(bytes);
    }

    /** Whether {@code address} is in the range. */
    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    private boolean contains(byte[] candidate) {
        byte[] bytes = candidate;
        if (bytes.length != network.length) {
            bytes = ipv4MappedToIpv4(bytes);
            if (bytes == null || bytes.length != network.length) {
                return false;
            }
        }
        int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++) {
            if (bytes[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (bytes[whole] & mask) == (network[whole] & mask);
    }

    // ::ffff:a.b.c.d is how an IPv4 client looks on a dual-stack socket.
    private static byte[] ipv4MappedToIpv4(byte[] bytes) {
        if (bytes.length != 16) {
            return null;
        }
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return null;
            }
        }
        if (bytes[10] != (byte) 0xff || bytes[11] != (byte) 0xff) {
            return null;
        }
        return new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
    }

    // Only literals: InetAddress.getByName would resolve a host name, which must never happen here.
    static byte[] literal(String address) {
        if (address == null) {
            return null;
        }
        String candidate = address.trim();
        if (candidate.startsWith("[") && candidate.endsWith("]")) {
            candidate = candidate.substring(1, candidate.length() - 1);
        }
        boolean ipv4 = candidate.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean ipv6 = candidate.contains(":") && candidate.matches("[0-9A-Fa-f:.]+(%[A-Za-z0-9]+)?");
        if (!ipv4 && !ipv6) {
            return null;
        }
        if (ipv4) {
            for (String part : candidate.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return null;
                }
            }
        }
        try {
            return InetAddress.getByName(candidate).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
