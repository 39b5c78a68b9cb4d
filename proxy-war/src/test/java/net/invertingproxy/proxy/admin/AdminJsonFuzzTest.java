package net.invertingproxy.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link AdminJson#read} with admin API bodies as a backend spec. Its contract: anything
 * but a spec is an {@link InvalidBodyException}, and a spec survives being written as the admin API
 * writes and read again.
 */
class AdminJsonFuzzTest {
    private static final int MAX_BODY_BYTES = 64 * 1024;

    @FuzzTest
    void readBackendSpec(byte[] body) throws InvalidBodyException {
        if (body.length > MAX_BODY_BYTES) {
            return;
        }
        BackendSpec spec;
        try {
            spec = AdminJson.read(new String(body, StandardCharsets.UTF_8), BackendSpec.class);
        } catch (InvalidBodyException refused) {
            return;
        }
        assertEquals(spec, AdminJson.read(AdminJson.write(spec), BackendSpec.class));
    }
}
