package net.invertingproxy.proxy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ClientRequestViewTest {
    @Test
    void headerNamesMatchWhateverTheCase() {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("X-Api-Key", List.of("one"));
        headers.put("x-api-key", List.of("two"));
        ClientRequestView view = ClientRequestView.of("10.0.0.1", headers);
        assertEquals(List.of("one", "two"), view.values("X-API-KEY"));
        assertEquals(List.of(), view.values("Authorization"));
    }

    @Test
    void lookupReturningNullCountsAsAbsent() {
        assertEquals(List.of(), new ClientRequestView("10.0.0.1", name -> null).values("Authorization"));
    }
}
