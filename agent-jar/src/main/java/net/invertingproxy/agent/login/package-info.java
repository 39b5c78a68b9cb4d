/**
 * The session of an AWS-verified agent ({@code -aws-auth}): logging in with a signed login, using the
 * session credential the proxy gives, and logging in again before it ends or when it is refused.
 * Free of the AWS SDK: the signing is behind {@link net.invertingproxy.agent.login.LoginSigner}.
 */
package net.invertingproxy.agent.login;
