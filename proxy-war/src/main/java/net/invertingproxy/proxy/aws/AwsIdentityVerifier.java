package net.invertingproxy.proxy.aws;

import java.net.URI;
import java.time.Clock;
import java.util.Set;

import net.invertingproxy.protocol.AgentLogin;
import net.invertingproxy.proxy.config.AwsLoginSettings;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.login.CallerIdentity;
import net.invertingproxy.proxy.login.IdentityVerifier;

import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/** Verifies AWS logins with STS and reads role tags with IAM, as {@link AwsLoginSettings} say. */
public final class AwsIdentityVerifier implements IdentityVerifier {
    private final StsCallerIdentity sts;
    private final RoleTags roleTags;

    private AwsIdentityVerifier(StsCallerIdentity sts, RoleTags roleTags) {
        this.sts = sts;
        this.roleTags = roleTags;
    }

    /** A verifier for the settings; the region, if not set, comes from the SDK's default region chain. */
    public static IdentityVerifier create(AwsLoginSettings settings) {
        String region = settings.region().isEmpty()
                ? new DefaultAwsRegionProviderChain().getRegion().id() : settings.region();
        URI stsEndpoint = settings.stsEndpoint() != null ? settings.stsEndpoint() : AgentLogin.stsEndpoint(region);
        return new AwsIdentityVerifier(new StsCallerIdentity(stsEndpoint, settings.serverId()),
                new RoleTags(IamClients.create(settings.iamEndpoint()), settings.roleTagsCacheTtl(), Clock.systemUTC()));
    }

    @Override
    public CallerIdentity callerIdentity(AgentLogin.Request login) throws FailureException {
        return sts.verify(login);
    }

    @Override
    public Set<String> allowedBackends(String account, String roleName) throws FailureException {
        return roleTags.allowedBackends(account, roleName);
    }
}
