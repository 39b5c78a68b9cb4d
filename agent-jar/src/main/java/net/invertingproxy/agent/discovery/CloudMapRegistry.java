package net.invertingproxy.agent.discovery;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import net.invertingproxy.agent.config.ServiceDiscovery;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.servicediscovery.ServiceDiscoveryClient;
import software.amazon.awssdk.services.servicediscovery.ServiceDiscoveryClientBuilder;
import software.amazon.awssdk.services.servicediscovery.model.InstanceNotFoundException;
import software.amazon.awssdk.services.servicediscovery.model.Operation;
import software.amazon.awssdk.services.servicediscovery.model.ServiceFilterName;
import software.amazon.awssdk.services.servicediscovery.model.ServiceSummary;

/**
 * The agent's Cloud Map service through the SDK's {@link ServiceDiscoveryClient}: the only agent
 * class naming an AWS SDK type. A service given by name is looked up in its namespace once.
 */
final class CloudMapRegistry implements ServiceRegistry {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final ServiceDiscoveryClient client;
    private final ServiceDiscovery target;
    private String serviceId;

    private CloudMapRegistry(ServiceDiscoveryClient client, ServiceDiscovery target) {
        this.client = client;
        this.target = target;
        this.serviceId = target.serviceIsId() ? target.service() : null;
    }

    /** A registry for the flags; the SDK retries nothing itself, the caller's backoff does. */
    static CloudMapRegistry create(ServiceDiscovery target) throws RegistryException {
        ServiceDiscoveryClientBuilder builder = ServiceDiscoveryClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT).socketTimeout(READ_TIMEOUT))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        if (!target.region().isEmpty()) {
            builder.region(Region.of(target.region()));
        }
        if (!target.endpoint().isEmpty()) {
            builder.endpointOverride(URI.create(target.endpoint()));
        }
        try {
            return new CloudMapRegistry(builder.build(), target);
        } catch (SdkException e) {
            throw classify(e);
        }
    }

    @Override
    public String register(String instanceId, Map<String, String> attributes) throws RegistryException {
        try {
            String service = serviceId();
            return client.registerInstance(r -> r.serviceId(service).instanceId(instanceId).attributes(attributes))
                    .operationId();
        } catch (SdkException e) {
            throw classify(e);
        }
    }

    @Override
    public OperationState operation(String operationId) throws RegistryException {
        try {
            Operation operation = client.getOperation(r -> r.operationId(operationId)).operation();
            return switch (operation.status()) {
                case SUCCESS -> new OperationState(OperationState.Status.SUCCESS, "");
                case FAIL -> new OperationState(OperationState.Status.FAIL,
                        operation.errorCode() + ": " + operation.errorMessage());
                default -> new OperationState(OperationState.Status.PENDING, "");
            };
        } catch (SdkException e) {
            throw classify(e);
        }
    }

    @Override
    public void deregister(String instanceId) throws RegistryException {
        try {
            String service = serviceId();
            client.deregisterInstance(r -> r.serviceId(service).instanceId(instanceId));
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

    private String serviceId() throws RegistryException {
        if (serviceId == null) {
            for (ServiceSummary service : (Iterable<ServiceSummary>) client.listServicesPaginator(r -> r.filters(f -> f
                    .name(ServiceFilterName.NAMESPACE_ID).values(target.namespaceId())))
                    .stream().flatMap(page -> page.services().stream())::iterator) {
                if (service.name().equals(target.service())) {
                    serviceId = service.id();
                    return serviceId;
                }
            }
            throw new RegistryException(RegistryException.Kind.NOT_FOUND, "no service '" + target.service()
                    + "' in namespace " + target.namespaceId(), null);
        }
        return serviceId;
    }

    private static RegistryException classify(SdkException e) {
        if (e instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            String code = String.valueOf(service.awsErrorDetails().errorCode());
            String lower = code.toLowerCase(Locale.ROOT);
            RegistryException.Kind kind;
            if (service.isThrottlingException() || lower.contains("throttl") || lower.equals("requestlimitexceeded")) {
                kind = RegistryException.Kind.THROTTLED;
            } else if (lower.endsWith("notfound") || lower.endsWith("notfoundexception")) {
                kind = RegistryException.Kind.NOT_FOUND;
            } else if (lower.startsWith("accessdenied") || lower.equals("unrecognizedclientexception")
                    || lower.equals("invalidsignatureexception") || service.statusCode() == 403) {
                kind = RegistryException.Kind.ACCESS_DENIED;
            } else {
                kind = RegistryException.Kind.OTHER;
            }
            return new RegistryException(kind, code + ": " + service.awsErrorDetails().errorMessage(), e);
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException) {
                return new RegistryException(RegistryException.Kind.UNREACHABLE, e.getMessage(), e);
            }
        }
        boolean credentials = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("credentials");
        return new RegistryException(credentials ? RegistryException.Kind.ACCESS_DENIED : RegistryException.Kind.OTHER,
                e.getMessage(), e);
    }
}
