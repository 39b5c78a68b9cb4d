package net.invertingproxy.proxy.login;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Who STS says signed a login: the account and the ARN ({@code Arn} and {@code Account} of GetCallerIdentity). */
public record CallerIdentity(String account, String arn) {
    // arn:aws:sts::<account>:assumed-role/<role name>/<session name>; role names may hold + = , . @ _ -.
    private static final Pattern ASSUMED_ROLE = Pattern.compile(
            "arn:aws[a-z-]*:sts::([0-9]{12}):assumed-role/([\\w+=,.@-]{1,64})/[\\w+=,.@-]+");

    /** The role's name if the caller is an assumed role of its own account; empty for users and anything else. */
    public Optional<String> assumedRoleName() {
        Matcher matcher = ASSUMED_ROLE.matcher(arn);
        if (!matcher.matches() || !matcher.group(1).equals(account)) {
            return Optional.empty();
        }
        return Optional.of(matcher.group(2));
    }
}
