package net.invertingproxy.protocol;

import java.util.ArrayList;
import java.util.List;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

/** Builds a header list from fuzzer input, favouring the names that header filters look for. */
final class FuzzedHeaders {
    private static final String[] NAMES = {"Connection", "Upgrade", "Content-Length", "Transfer-Encoding",
        "Keep-Alive", "TE", "Trailer", "Proxy-Connection", "X-Custom", "Host"};
    private static final int MAX_HEADERS = 12;

    private FuzzedHeaders() {
    }

    /** Up to a dozen headers: a well-known or arbitrary name, and a value that is now and then missing. */
    static List<Header> from(FuzzedDataProvider data) {
        int count = data.consumeInt(0, MAX_HEADERS);
        List<Header> headers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeString(20);
            // Header allows a missing value, and the filters say what they do with one.
            String value = data.consumeInt(0, 15) == 0 ? null : data.consumeString(60);
            headers.add(new BasicHeader(name, value));
        }
        return headers;
    }
}
