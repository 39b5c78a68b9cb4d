package net.invertingproxy.logging;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Removes credentials from a line of log text: the values of headers that carry them, bearer and
 * basic credentials, the secret part of the project's own tokens ({@code ipa_}, {@code ips_}) and
 * JSON Web Tokens. A last line of defence behind code that never logs them: libraries logging at
 * debug level (Jetty's parser, HttpClient's header and wire logs) print whole header blocks.
 */
public final class SecretRedactor {
    /** What a removed value is replaced with. */
    public static final String REDACTED = "[redacted]";

    private static final String SECRET_HEADER_NAMES = SecretNames.HEADERS.stream().map(Pattern::quote)
            .collect(Collectors.joining("|", "(?:", ")"));
    // "Name: value" (or name=value, or a JSON "name": "value"). A quoted value goes to its closing
    // quote, a bracketed one to its bracket; any other to the end of its line: a real one, an
    // escaped one (a JSON string's "\r\n"), or a wire log's "[\r]".
    private static final Pattern SECRET_HEADER = Pattern.compile(
            "(?i)(?:(?<=\\\\n)|(?<![A-Za-z0-9-]))(" + SECRET_HEADER_NAMES + ")(\"?\\s*[:=]\\s*)"
                    + "(?:\"(?:[^\"\\\\\\r\\n]|\\\\.)*\"?|\\[[^\\]\\r\\n]*\\]?|[^\\r\\n\\[\\\\]*)");
    // A token in a URL's query: ?access_token=..., &X-Amz-Signature=...
    private static final Pattern SECRET_QUERY_PARAMETER = Pattern.compile("(?i)([?&;]"
            + SecretNames.QUERY_PARAMETERS.stream().map(Pattern::quote).collect(Collectors.joining("|", "(?:", ")"))
            + "=)[^&;#\\s\"'\\[\\]]*");
    // A URL's user:password@.
    private static final Pattern URL_USER_INFO = Pattern.compile("(://[^/\\s:@\"]+:)[^@/\\s\"]+@");
    // Jetty's parser at debug level: "headerString=[Cookie], valueString=[...]".
    private static final Pattern PARSED_SECRET_HEADER = Pattern.compile(
            "(?i)(headerString=\\[" + SECRET_HEADER_NAMES + "\\][^\\r\\n]*?valueString=\\[)[^\\]\\r\\n]*");
    // Jetty's buffer dumps, "{<<<bytes>>>more bytes}", cut a header anywhere (even inside its name):
    // the bytes go, to the end of the line.
    private static final Pattern BUFFER_DUMP = Pattern.compile("\\{<<<.*");
    private static final List<Pattern> SECRET_TOKENS = List.of(
            // An issued agent credential: ipa_<key id>_<secret>; the key ID names it in logs.
            Pattern.compile("(ipa_[A-Za-z0-9]+_)[A-Za-z0-9_~+/=.-]+"),
            // A login session: ips_<payload>.<signature>.
            Pattern.compile("(ips_)[A-Za-z0-9_~+/=.-]+"),
            // A JWT (ALB OIDC data, an access token): three base64url parts, the first a JSON object.
            Pattern.compile("()eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*"),
            Pattern.compile("(?i)(\\b(?:bearer|basic)\\s+)[A-Za-z0-9_~+/=.-]+"));

    private SecretRedactor() {
    }

    /** {@code text} with every credential it holds replaced by {@link #REDACTED}. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String result = BUFFER_DUMP.matcher(text).replaceAll(Matcher.quoteReplacement("{<<<" + REDACTED + ">>>}"));
        // Jetty's form first: the plain form would stop at its "[" and leave valueString whole.
        result = PARSED_SECRET_HEADER.matcher(result).replaceAll("$1" + Matcher.quoteReplacement(REDACTED));
        result = SECRET_HEADER.matcher(result).replaceAll("$1$2" + Matcher.quoteReplacement(REDACTED));
        result = SECRET_QUERY_PARAMETER.matcher(result).replaceAll("$1" + Matcher.quoteReplacement(REDACTED));
        result = URL_USER_INFO.matcher(result).replaceAll("$1" + Matcher.quoteReplacement(REDACTED) + "@");
        for (Pattern token : SECRET_TOKENS) {
            result = token.matcher(result).replaceAll("$1" + Matcher.quoteReplacement(REDACTED));
        }
        return result;
    }
}
