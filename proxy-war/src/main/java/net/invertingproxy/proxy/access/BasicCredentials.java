package net.invertingproxy.proxy.access;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The user and password of an {@code Authorization: Basic} header (RFC 7617, UTF-8). */
record BasicCredentials(String user, String password) {
    /** Longest header value read; issued users and passwords fit in a small fraction of it. */
    static final int MAX_HEADER_CHARS = 4096;
    // Scheme names are case-insensitive (RFC 9110 section 11.1); the credentials are one token68.
    private static final Pattern BASIC = Pattern.compile("(?i:basic) +([A-Za-z0-9+/]+={0,2})");

    /** The credentials in {@code authorization}, or empty when it is not well-formed Basic. */
    static Optional<BasicCredentials> parse(String authorization) {
        if (authorization == null || authorization.length() > MAX_HEADER_CHARS) {
            return Optional.empty();
        }
        Matcher basic = BASIC.matcher(authorization.trim());
        if (!basic.matches()) {
            return Optional.empty();
        }
        String text;
        try {
            byte[] decoded = Base64.getDecoder().decode(basic.group(1));
            // A fresh decoder reports bytes that are not UTF-8 where new String(...) would replace them.
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(decoded)).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            return Optional.empty();
        }
        // The user ID cannot hold a colon; the password may (RFC 7617 section 2).
        int colon = text.indexOf(':');
        return colon < 0 ? Optional.empty()
                : Optional.of(new BasicCredentials(text.substring(0, colon), text.substring(colon + 1)));
    }

    /** Keeps the password out of logs and exception messages. */
    @Override
    public String toString() {
        return "BasicCredentials[user=" + user + ", password=…]";
    }
}
