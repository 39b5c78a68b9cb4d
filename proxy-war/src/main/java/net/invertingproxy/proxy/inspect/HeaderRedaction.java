package net.invertingproxy.proxy.inspect;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.hc.core5.http.Header;

/**
 * Which header values the inspector never keeps: credentials and cookies always, plus the names
 * an operator adds ({@code inspector-redact-headers}) and a backend's API key header.
 */
public final class HeaderRedaction {
    /** What a hidden value is shown as. */
    public static final String REDACTED = "[redacted]";
    private static final Set<String> ALWAYS = Set.of("authorization", "proxy-authorization", "cookie", "set-cookie");

    private final Set<String> names;

    /** Hides the values of {@code extraNames} (any case) besides those always hidden. */
    public HeaderRedaction(List<String> extraNames) {
        Set<String> all = new HashSet<>(ALWAYS);
        extraNames.forEach(name -> all.add(name.toLowerCase(Locale.ROOT)));
        this.names = Set.copyOf(all);
    }

    /** These rules with one more name hidden, e.g. a backend's API key header; null adds none. */
    public HeaderRedaction with(String name) {
        if (name == null || names.contains(name.toLowerCase(Locale.ROOT))) {
            return this;
        }
        List<String> extended = new ArrayList<>(names);
        extended.add(name);
        return new HeaderRedaction(extended);
    }

    /** Whether a header of this name is shown without its value. */
    public boolean hides(String name) {
        return names.contains(name.toLowerCase(Locale.ROOT));
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
