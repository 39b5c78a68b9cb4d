package net.invertingproxy.proxy.discovery;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import net.invertingproxy.proxy.config.InvalidSettingException;
import net.invertingproxy.proxy.config.ProxySetting;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.servicediscovery.ServiceDiscoveryClient;
import software.amazon.awssdk.services.servicediscovery.ServiceDiscoveryClientBuilder;
import software.amazon.awssdk.services.servicediscovery.model.InstanceNotFoundException;
import software.amazon.awssdk.services.servicediscovery.model.NamespaceNotFoundException;
import software.amazon.awssdk.services.servicediscovery.model.ServiceNotFoundException;

/**
 * The instance directory in AWS Cloud Map, through the SDK's {@link ServiceDiscoveryClient}: the
 * only class of the proxy that names an AWS SDK type, so that with Cloud Map off none is loaded.
 */
final class CloudMapDirectory implements InstanceDirectory {
    // Short enough that a drain is not held up by a Cloud Map that does not answer.
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);

    private final ServiceDiscoveryClient client;
    private final String serviceId;

    private CloudMapDirectory(ServiceDiscoveryClient client, String serviceId) {
        this.client = client;
        this.serviceId = serviceId;
    }

    /**
     * A directory for the configured service. The SDK retries nothing itself: the caller's backoff
     * is the one place retries happen, and it never sleeps on a request thread. Credentials come
     * from the SDK's default chain (environment, profile, container or instance role).
     */
    static CloudMapDirectory create(CloudMapSettings settings) {
        ServiceDiscoveryClientBuilder builder = ServiceDiscoveryClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT).socketTimeout(READ_TIMEOUT))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(CALL_TIMEOUT));
        if (!settings.region().isEmpty()) {
            builder.region(Region.of(settings.region()));
        }
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        try {
            return new CloudMapDirectory(builder.build(), settings.serviceId());
        } catch (SdkClientException e) {
            // The SDK looks the region up here: without one Cloud Map can never work, so say so at start.
            throw new InvalidSettingException("setting '" + ProxySetting.CLOUDMAP_REGION.key()
                    + "' is needed: " + e.getMessage());
        }
    }

    @Override
    public void register(String instanceId, Map<String, String> attributes) throws DirectoryException {
        try {
            client.registerInstance(r -> r.serviceId(serviceId).instanceId(instanceId).attributes(attributes));
        } catch (SdkException e) {
            throw classify(e);
        }
    }

    @Override
    public void deregister(String instanceId) throws DirectoryException {
        try {
            client.deregisterInstance(r -> r.serviceId(serviceId).instanceId(instanceId));
        } catch (InstanceNotFoundException e) {
            // Already gone: what deregistering wanted.
        } catch (SdkException e) {
            throw classify(e);
        }
    }

    @Override
    public void close() {
        client.close();
    }

    static DirectoryException classify(SdkException e) {
        if (e instanceof AwsServiceException service) {
            String code = service.awsErrorDetails() == null || service.awsErrorDetails().errorCode() == null ? ""
                    : service.awsErrorDetails().errorCode();
            String message = service.awsErrorDetails() != null && service.awsErrorDetails().errorMessage() != null
                    ? code + ": " + service.awsErrorDetails().errorMessage() : e.getMessage();
            return new DirectoryException(serviceKind(service, code), message, e);
        }
        return new DirectoryException(clientKind(e), e.getMessage(), e);
    }

    private static DirectoryException.Kind serviceKind(AwsServiceException e, String code) {
        String lower = code.toLowerCase(Locale.ROOT);
        if (e.isThrottlingException() || lower.contains("throttl") || lower.equals("requestlimitexceeded")
                || lower.equals("toomanyrequestsexception")) {
            return DirectoryException.Kind.THROTTLED;
        }
        if (e instanceof ServiceNotFoundException || e instanceof NamespaceNotFoundException
                || lower.endsWith("notfound") || lower.endsWith("notfoundexception") || e.statusCode() == 404) {
            return DirectoryException.Kind.NOT_FOUND;
        }
        if (lower.startsWith("accessdenied") || lower.equals("unrecognizedclientexception")
                || lower.equals("invalidsignatureexception") || lower.equals("expiredtokenexception")
                || lower.equals("invalidclienttokenid") || e.statusCode() == 403) {
            return DirectoryException.Kind.ACCESS_DENIED;
        }
        return DirectoryException.Kind.OTHER;
    }

    private static DirectoryException.Kind clientKind(SdkException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException) {
                return DirectoryException.Kind.UNREACHABLE;
            }
        }
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (message.contains("credentials")) {
            // No credentials found is, to an operator, the same problem as a refused one.
            return DirectoryException.Kind.ACCESS_DENIED;
        }
        return message.contains("timeout") || message.contains("timed out")
                ? DirectoryException.Kind.UNREACHABLE : DirectoryException.Kind.OTHER;
    }
}
