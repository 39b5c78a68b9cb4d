/**
 * Publishing the agent's request meters to CloudWatch with Micrometer's CloudWatch registry. Every
 * class here may load the AWS SDK, so nothing outside refers to this package unless
 * {@code -cloudwatch-namespace} is set.
 */
package net.invertingproxy.agent.metrics.cloudwatch;
