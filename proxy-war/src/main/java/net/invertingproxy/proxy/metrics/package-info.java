/** The proxy's Micrometer meters, scraped in Prometheus format at {@code /metrics}. */
package net.invertingproxy.proxy.metrics;
