package net.invertingproxy.agent.config;

import java.util.regex.Pattern;

/**
 * The shapes AWS gives its region names, CloudWatch namespaces and Cloud Map namespace IDs, checked
 * when the flags are read: the SDK takes any text for them and only its first call, on a background
 * thread, would show a typo.
 */
final class AwsNames {
    // eu-west-1, us-gov-west-1, cn-north-1: lower-case words joined by hyphens, at least two.
    private static final Pattern REGION = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)+");
    // CloudWatch's own rule: these characters, 1 to 255 of them, not only spaces; AWS/ is reserved.
    private static final Pattern CLOUDWATCH_NAMESPACE = Pattern.compile("[0-9A-Za-z._/#: -]{1,255}");
    private static final Pattern CLOUD_MAP_NAMESPACE_ID = Pattern.compile("ns-[0-9a-z]+");

    /** What a region must look like, for error messages. */
    static final String REGION_RULE = "must be an AWS region such as eu-west-1";
    /** What a CloudWatch namespace must look like, for error messages. */
    static final String CLOUDWATCH_NAMESPACE_RULE = "must be a CloudWatch namespace: up to 255 letters, digits,"
            + " spaces and . - _ / # :, not starting with AWS/";
    /** What a Cloud Map namespace ID must look like, for error messages. */
    static final String CLOUD_MAP_NAMESPACE_ID_RULE = "must be a Cloud Map namespace ID such as ns-e4anhexample0004";

    private AwsNames() {
    }

    /** Whether the text is empty (the SDK's own lookup) or shaped like a region. */
    static boolean isEmptyOrRegion(String text) {
        return text.isEmpty() || REGION.matcher(text).matches();
    }

    static boolean isCloudWatchNamespace(String text) {
        return CLOUDWATCH_NAMESPACE.matcher(text).matches() && !text.isBlank() && !text.startsWith("AWS/");
    }

    static boolean isCloudMapNamespaceId(String text) {
        return CLOUD_MAP_NAMESPACE_ID.matcher(text).matches();
    }
}
