package net.invertingproxy.proxy.access;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What the access checks need of a client request, without the servlet API: the address of the
 * peer that connected, and every value of a header by case-insensitive name. The servlet layer
 * builds it as {@code new ClientRequestView(request.getRemoteAddr(),
 * name -> Collections.list(request.getHeaders(name)))}.
 */
public record ClientRequestView(String remoteAddr, Function<String, List<String>> headerValues) {
    /** Checks both parts are present. */
    public ClientRequestView {
        Objects.requireNonNull(remoteAddr, "remoteAddr");
        Objects.requireNonNull(headerValues, "headerValues");
    }

    /** A view over headers already at hand; names are matched case-insensitively, as HTTP requires. */
    public static ClientRequestView of(String remoteAddr, Map<String, List<String>> headers) {
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> byName.computeIfAbsent(name, any -> new ArrayList<>()).addAll(values));
        return new ClientRequestView(remoteAddr, name -> byName.getOrDefault(name, List.of()));
    }

    /** Every value of header {@code name} in the order received; empty when it is absent. */
    public List<String> values(String name) {
        List<String> values = headerValues.apply(name);
        return values == null ? List.of() : values;
    }
}
