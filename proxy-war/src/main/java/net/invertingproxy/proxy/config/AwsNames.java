package net.invertingproxy.proxy.config;

import java.util.regex.Pattern;

/**
 * The shapes AWS gives its region names, CloudWatch namespaces and Cloud Map service IDs, checked
 * at start-up: the SDK takes any text for them and only the first call, minutes later and on a
 * background thread, would show a typo.
 */
final class AwsNames {
    // eu-west-1, us-gov-west-1, cn-north-1: lower-case words joined by hyphens, at least two.
    private static final Pattern REGION = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)+");
    // CloudWatch's own rule: these characters, 1 to 255 of them, not only spaces; AWS/ is reserved.
    private static final Pattern NAMESPACE = Pattern.compile("[0-9A-Za-z._/#: -]{1,255}");
    private static final Pattern SERVICE_ID = Pattern.compile("srv-[0-9a-z]+");

    /** What a region must look like, for error messages. */
    static final String REGION_RULE = "must be an AWS region such as eu-west-1";
    /** What a namespace must look like, for error messages. */
    static final String NAMESPACE_RULE = "must be a CloudWatch namespace: up to 255 letters, digits,"
            + " spaces and . - _ / # :, not starting with AWS/";
    /** What a service ID must look like, for error messages. */
    static final String SERVICE_ID_RULE = "must be a Cloud Map service ID such as srv-e4anhexample0004";

    private AwsNames() {
    }

    static boolean isRegion(String text) {
        return REGION.matcher(text).matches();
    }

    static boolean isNamespace(String text) {
        return NAMESPACE.matcher(text).matches() && !text.isBlank() && !text.startsWith("AWS/");
    }

    static boolean isServiceId(String text) {
        return SERVICE_ID.matcher(text).matches();
    }
}
