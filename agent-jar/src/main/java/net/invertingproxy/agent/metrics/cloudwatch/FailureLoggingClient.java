package net.invertingproxy.agent.metrics.cloudwatch;

import java.util.concurrent.CompletableFuture;

import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricDataRequest;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricDataResponse;

/**
 * The CloudWatch client Micrometer publishes through: it logs a failed {@code PutMetricData} once
 * per kind of failure and then reports the call as done, so Micrometer neither logs it again with
 * a stack trace nor keeps anything for a retry: that step's data are dropped.
 */
final class FailureLoggingClient implements CloudWatchAsyncClient {
    private final CloudWatchAsyncClient delegate;
    private final PublicationFailures failures = new PublicationFailures();

    FailureLoggingClient(CloudWatchAsyncClient delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableFuture<PutMetricDataResponse> putMetricData(PutMetricDataRequest request) {
        CompletableFuture<PutMetricDataResponse> call;
        try {
            call = delegate.putMetricData(request);
        } catch (RuntimeException e) {
            // The SDK reports most failures through the future, but a bad configuration can throw here.
            call = CompletableFuture.failedFuture(e);
        }
        return call.handle((response, failure) -> {
            if (failure != null) {
                failures.report(failure);
                return PutMetricDataResponse.builder().build();
            }
            return response;
        });
    }

    @Override
    public String serviceName() {
        return delegate.serviceName();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
