/**
 * AWS-verified agents without the AWS SDK: the login decision (account allow-list, the role's
 * {@code AllowedBackends} tag) and the session credentials it issues, checked locally on every
 * later call. What asks AWS sits behind {@link net.invertingproxy.proxy.login.IdentityVerifier},
 * implemented in {@code proxy.aws} and loaded only when the first login arrives.
 */
package net.invertingproxy.proxy.login;
