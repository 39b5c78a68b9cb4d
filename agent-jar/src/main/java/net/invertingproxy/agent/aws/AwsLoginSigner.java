package net.invertingproxy.agent.aws;

import java.util.LinkedHashMap;
import java.util.Map;

import net.invertingproxy.agent.login.LoginSigner;
import net.invertingproxy.protocol.AgentLogin;

import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/**
 * Signs {@code sts:GetCallerIdentity} with SigV4 for the region's STS endpoint, with the proxy's
 * server ID in a signed header, and keeps of the signed request the headers the proxy passes on.
 */
public final class AwsLoginSigner implements LoginSigner {
    private final IdentityProvider<? extends AwsCredentialsIdentity> credentials;
    private final String region;
    private final String serverId;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    /** A signer with the given credentials, for the given region and server ID. */
    public AwsLoginSigner(IdentityProvider<? extends AwsCredentialsIdentity> credentials, String region, String serverId) {
        this.credentials = credentials;
        this.region = region;
        this.serverId = serverId;
    }

    /**
     * The signer {@code -aws-auth} uses: credentials from the SDK's default chain, the region given
     * or else from the SDK's default region chain.
     */
    public static LoginSigner create(String region, String serverId) {
        String resolved = region.isEmpty() ? new DefaultAwsRegionProviderChain().getRegion().id() : region;
        return new AwsLoginSigner(DefaultCredentialsProvider.builder().build(), resolved, serverId);
    }

    @Override
    public AgentLogin.Request sign() {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.fromValue(AgentLogin.STS_METHOD))
                .uri(AgentLogin.stsEndpoint(region))
                .putHeader("Content-Type", AgentLogin.STS_CONTENT_TYPE)
                .putHeader(AgentLogin.SERVER_ID_HEADER, serverId)
                .build();
        SignedRequest signed = signer.sign(r -> r
                .identity(credentials.resolveIdentity().join())
                .request(request)
                .payload(ContentStreamProvider.fromUtf8String(AgentLogin.STS_BODY))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sts")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        Map<String, String> headers = new LinkedHashMap<>();
        signed.request().forEachHeader((name, values) -> headers.put(name, String.join(",", values)));
        return new AgentLogin.Request(headers);
    }
}
