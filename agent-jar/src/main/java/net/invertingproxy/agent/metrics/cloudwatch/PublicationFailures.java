package net.invertingproxy.agent.metrics.cloudwatch;

import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Logs failed publications once per kind (CloudWatch's error code, such as {@code Throttling} or
 * {@code AccessDenied}, or {@code unreachable}) at WARNING and every later one of the same kind at
 * FINE: a failure repeats every step, and a log full of it would hide everything else.
 */
final class PublicationFailures {
    private static final Logger LOG = Logger.getLogger(PublicationFailures.class.getName());

    private final Set<String> kindsSeen = ConcurrentHashMap.newKeySet();

    /** Logs one failed call. */
    void report(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String kind = kindOf(cause);
        String message = "publishing to CloudWatch failed (" + kind + "): " + oneLine(cause.getMessage())
                + "; this step's data are dropped";
        if (kindsSeen.add(kind)) {
            LOG.warning(message + "; further failures of this kind are logged at FINE");
        } else {
            LOG.log(Level.FINE, message);
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
