/**
 * The agent's own metrics: meters of forwarded requests, backend latency, requests in flight and
 * polls, and the optional {@code -metrics-port} endpoint that serves them to Prometheus.
 */
package net.invertingproxy.agent.metrics;
