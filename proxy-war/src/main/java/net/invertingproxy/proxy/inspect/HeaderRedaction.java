package net.invertingproxy.proxy.inspect;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import net.invertingproxy.logging.SecretNames;

import org.apache.hc.core5.http.Header;

/**
 * Which header values the inspector never keeps: credentials, cookies and identity tokens always
 * (the names the logs hide too, {@link SecretNames#HEADERS}), plus the names an operator adds
 * ({@code inspector-redact-headers}) and a backend's API key header.
 */
public final class HeaderRedaction {
    /** What a hidden value is shown as. */
    public static final String REDACTED = "[redacted]";
    // Compared without regard to case, and without a lower-cased copy of every header name.
    private final Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

    /** Hides the values of {@code extraNames} (any case) besides those always hidden. */
    public HeaderRedaction(List<String> extraNames) {
        names.addAll(SecretNames.HEADERS);
        names.addAll(extraNames);
    }

    /** These rules with one more name hidden, e.g. a backend's API key header; null adds none. */
    public HeaderRedaction with(String name) {
        if (name == null || names.contains(name)) {
            return this;
        }
        List<String> extended = new ArrayList<>(names);
        extended.add(name);
        return new HeaderRedaction(extended);
    }

    /** Whether a header of this name is shown without its value. */
    public boolean hides(String name) {
        return names.contains(name);
    }

    /** The headers as kept: the hidden ones with {@link #REDACTED} for a value. */
    public List<InspectedHeader> apply(List<Header> headers) {
        List<InspectedHeader> kept = new ArrayList<>(headers.size());
        for (Header header : headers) {
            kept.add(new InspectedHeader(header.getName(), hides(header.getName()) ? REDACTED : header.getValue()));
        }
        return kept;
    }
}
