package net.invertingproxy.proxy.registry;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Who may use a backend: the {@link AccessMode}, what that mode needs (the API-key header and keys,
 * the Basic users, or the ALB's ARN) and an optional allow-list of client address ranges (CIDR),
 * which applies in every mode.
 */
public record EndUserAccess(AccessMode mode, String apiKeyHeader, List<ApiKey> apiKeys, List<BasicUser> basicUsers,
                            String albArn, List<String> allowedAddresses) {
    /** The header that carries API keys unless another is named. */
    public static final String DEFAULT_API_KEY_HEADER = "X-Api-Key";
    /** Anyone may use the backend. */
    public static final EndUserAccess PUBLIC = new EndUserAccess(AccessMode.PUBLIC, null, null, null, null, null);

    /** Fills defaults, copies lists and checks the mode has what it needs. */
    public EndUserAccess {
        mode = mode == null ? AccessMode.PUBLIC : mode;
        apiKeyHeader = apiKeyHeader == null || apiKeyHeader.isBlank() ? DEFAULT_API_KEY_HEADER : apiKeyHeader.trim();
        if (!apiKeyHeader.matches("[A-Za-z0-9-]+")) {
            throw new InvalidBackendException("access.apiKeyHeader must be a header name, got \"" + apiKeyHeader + "\"");
        }
        apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
        basicUsers = basicUsers == null ? List.of() : List.copyOf(basicUsers);
        allowedAddresses = allowedAddresses == null ? List.of() : List.copyOf(allowedAddresses);
        allowedAddresses.forEach(range -> AddressRanges.check(range, "access.allowedAddresses"));
        checkUnique(apiKeys.stream().map(ApiKey::user).toList(), "access.apiKeys");
        checkUnique(basicUsers.stream().map(BasicUser::user).toList(), "access.basicUsers");
        if (mode == AccessMode.ALB_OIDC && (albArn == null || !albArn.startsWith("arn:aws"))) {
            throw new InvalidBackendException("access.albArn must be the ALB's ARN (arn:aws:elasticloadbalancing:...)"
                    + " when access.mode is alb_oidc");
        }
    }

    static void checkUserName(String user, String field) {
        Objects.requireNonNull(user, field + " user");
        if (!user.matches("[A-Za-z0-9._@-]{1,64}")) {
            throw new InvalidBackendException(field + " user names are 1-64 of A-Z a-z 0-9 . _ @ -, got \"" + user + "\"");
        }
    }

    private static void checkUnique(List<String> users, String field) {
        Set<String> seen = new HashSet<>();
        for (String user : users) {
            if (!seen.add(user)) {
                throw new InvalidBackendException(field + " names user \"" + user + "\" twice");
            }
        }
    }
}
