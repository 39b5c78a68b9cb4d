package net.invertingproxy.proxy.metrics.cloudwatch;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Logs failed publications once per kind (CloudWatch's error code, such as {@code Throttling} or
 * {@code AccessDenied}, or {@code unreachable}) at WARNING and every later one of the same kind at
 * DEBUG: a failure repeats every step, and a log full of it would hide everything else.
 */
final class PublicationFailures {
    private static final System.Logger LOG = System.getLogger(PublicationFailures.class.getName());

    private final Set<String> kindsSeen = ConcurrentHashMap.newKeySet();

    /** Logs one failed call. */
    void report(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String kind = kindOf(cause);
        String message = "publishing to CloudWatch failed (" + kind + "): " + oneLine(cause.getMessage())
                + "; this step's data are dropped";
        if (kindsSeen.add(kind)) {
            LOG.log(Level.WARNING, message + "; further failures of this kind are logged at DEBUG");
        } else {
            LOG.log(Level.DEBUG, message);
        }
    }

    static String kindOf(Throwable cause) {
        if (cause instanceof AwsServiceException service && service.awsErrorDetails() != null
                && service.awsErrorDetails().errorCode() != null) {
            return service.awsErrorDetails().errorCode();
        }
        if (cause instanceof AwsServiceException service) {
            return "HTTP " + service.statusCode();
        }
        if (cause instanceof SdkClientException) {
            return "unreachable";
        }
        return cause.getClass().getSimpleName();
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("[\\r\\n]+", " ");
    }
}
