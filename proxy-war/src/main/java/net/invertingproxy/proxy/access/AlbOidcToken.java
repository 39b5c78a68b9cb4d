package net.invertingproxy.proxy.access;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

import com.google.gson.JsonObject;

/**
 * An {@code x-amzn-oidc-data} token split into its parts: the signed text exactly as received
 * (header and payload segments with the dot between), the signature and the header as JSON. The
 * payload stays undecoded until the signature is checked, so untrusted claims are never read.
 */
final class AlbOidcToken {
    // The ALB pads its base64url segments with '=', unlike RFC 7515, so padding is allowed here.
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-]+={0,2}");

    private final String signedText;
    private final String payloadSegment;
    private final byte[] signature;
    private final JsonObject header;

    private AlbOidcToken(String signedText, String payloadSegment, byte[] signature, JsonObject header) {
        this.signedText = signedText;
        this.payloadSegment = payloadSegment;
        this.signature = signature;
        this.header = header;
    }

    /** Splits and decodes {@code token}; {@link IllegalArgumentException} if it is not three base64url segments. */
    static AlbOidcToken parse(String token) {
        String[] segments = token.trim().split("\\.", -1);
        if (segments.length != 3) {
            throw new IllegalArgumentException("not three segments");
        }
        for (String segment : segments) {
            if (!SEGMENT.matcher(segment).matches()) {
                throw new IllegalArgumentException("not base64url");
            }
        }
        JsonObject header = StrictJson.parseObject(decode(segments[0]));
        return new AlbOidcToken(segments[0] + "." + segments[1], segments[1], decode(segments[2]), header);
    }

    /** Base64url with or without the trailing padding. */
    static byte[] decode(String segment) {
        int end = segment.length();
        while (end > 0 && segment.charAt(end - 1) == '=') {
            end--;
        }
        return Base64.getUrlDecoder().decode(segment.substring(0, end));
    }

    /** The bytes the signature covers: the first two segments as received, joined by a dot. */
    byte[] signedBytes() {
        return signedText.getBytes(StandardCharsets.US_ASCII);
    }

    byte[] signature() {
        return signature.clone();
    }

    JsonObject header() {
        return header;
    }

    /** The payload as JSON; call only once the signature is verified. */
    JsonObject payload() {
        return StrictJson.parseObject(decode(payloadSegment));
    }
}
