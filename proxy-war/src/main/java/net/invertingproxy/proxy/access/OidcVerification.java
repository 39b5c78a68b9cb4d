package net.invertingproxy.proxy.access;

import java.util.Objects;

/** The outcome of checking an ALB's {@code x-amzn-oidc-data} token: the verified subject, or why it was rejected. */
public sealed interface OidcVerification {
    /** The token is the ALB's, unexpired; {@code subject} is its {@code sub} claim. */
    record Verified(String subject) implements OidcVerification {
        /** Checks the subject is present. */
        public Verified {
            Objects.requireNonNull(subject, "subject");
        }
    }

    /** The token is not to be trusted; {@code reason} is one short line that never quotes the token. */
    record Rejected(String reason) implements OidcVerification {
        /** Checks the reason is present. */
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
