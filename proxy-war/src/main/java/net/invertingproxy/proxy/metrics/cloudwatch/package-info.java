/**
 * Publishing the proxy's per-backend request meters to CloudWatch (Micrometer's CloudWatch
 * registry, or Embedded Metric Format log lines). Every class here may load the AWS SDK, so
 * nothing outside refers to this package unless {@code cloudwatch-namespace} is set.
 */
package net.invertingproxy.proxy.metrics.cloudwatch;
