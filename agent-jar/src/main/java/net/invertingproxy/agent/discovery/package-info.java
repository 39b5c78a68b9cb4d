/**
 * Registers the agent's own backend in AWS Cloud Map ({@code -SDService}), as the AWS variant of
 * the Go agent does. Only {@link net.invertingproxy.agent.discovery.CloudMapRegistry} names AWS SDK
 * types, and it is loaded only when {@code -SDService} is set.
 */
package net.invertingproxy.agent.discovery;
