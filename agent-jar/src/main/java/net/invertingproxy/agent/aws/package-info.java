/**
 * Signing the agent's AWS login with the AWS SDK. The only package of the agent that uses the SDK;
 * it is loaded only with {@code -aws-auth}.
 */
package net.invertingproxy.agent.aws;
