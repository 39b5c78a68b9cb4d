package net.invertingproxy.proxy.inspect;

import java.util.Locale;

import net.invertingproxy.logging.SecretNames;

/**
 * Hides the values of query parameters that carry tokens ({@link SecretNames#QUERY_PARAMETERS}:
 * OAuth codes and tokens, presigned AWS URLs, API keys) in a request target the inspector keeps.
 */
public final class TargetRedaction {
    private TargetRedaction() {
    }

    /** {@code target} with each such parameter's value shown as {@link HeaderRedaction#REDACTED}. */
    public static String apply(String target) {
        int query = target.indexOf('?');
        if (query < 0) {
            return target;
        }
        StringBuilder kept = new StringBuilder(target.length()).append(target, 0, query + 1);
        String[] parameters = target.substring(query + 1).split("&", -1);
        for (int i = 0; i < parameters.length; i++) {
            String parameter = parameters[i];
            int equals = parameter.indexOf('=');
            String name = (equals < 0 ? parameter : parameter.substring(0, equals)).toLowerCase(Locale.ROOT);
            kept.append(i == 0 ? "" : "&");
            if (equals >= 0 && SecretNames.QUERY_PARAMETERS.contains(name)) {
                kept.append(parameter, 0, equals + 1).append(HeaderRedaction.REDACTED);
            } else {
                kept.append(parameter);
            }
        }
        return kept.toString();
    }
}
