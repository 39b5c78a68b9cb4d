package net.invertingproxy.proxy.registry;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether agents may prove an AWS identity to serve the backend ({@code POST agent/login}): the
 * AWS accounts they may come from, whether an assumed role must name the backend in its
 * {@code AllowedBackends} tag (default true), and whether only such agents may serve it
 * ({@code required}; else the shared agent credential works too).
 */
public record AwsIdentity(List<String> accounts, Boolean requireAllowedBackendsTag, boolean required) {
    /** Copies the accounts and checks each is a 12-digit account ID named once. */
    public AwsIdentity {
        accounts = accounts == null ? List.of() : List.copyOf(accounts);
        // Without an account list any AWS account in the world could log in, tag or not.
        if (accounts.isEmpty()) {
            throw new InvalidBackendException("awsIdentity.accounts must name at least one AWS account ID");
        }
        Set<String> seen = new HashSet<>();
        for (String account : accounts) {
            if (account == null || !account.matches("[0-9]{12}")) {
                throw new InvalidBackendException("awsIdentity.accounts must be 12-digit AWS account IDs, got \""
                        + account + "\"");
            }
            if (!seen.add(account)) {
                throw new InvalidBackendException("awsIdentity.accounts names " + account + " twice");
            }
        }
        requireAllowedBackendsTag = requireAllowedBackendsTag == null || requireAllowedBackendsTag;
    }

    /** Whether an agent of {@code account} may log in. */
    public boolean allowsAccount(String account) {
        return accounts.contains(account);
    }
}
