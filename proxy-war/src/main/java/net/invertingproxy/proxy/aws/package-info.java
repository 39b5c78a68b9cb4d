/**
 * Asking AWS about an agent's login: STS {@code GetCallerIdentity}, rebuilt by the proxy from the
 * agent's signed headers, and IAM {@code ListRoleTags}. The only package of the proxy that uses the
 * AWS SDK; it is loaded at the first AWS login, never while no backend uses {@code awsIdentity}.
 */
package net.invertingproxy.proxy.aws;
